// The PostgreSQL engine's connection (team mode, issue 17): a postgres:// URL, the driver
// `postgres` (chosen by measurement: see the commit that added it), and the numbered
// migrations of migrations/postgres/, applied under an advisory lock so that machines
// starting at once migrate once. A database a newer sla wrote is refused untouched. What goes
// wrong is said without the URL's password.

import { readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import postgres from 'postgres';
import { shownUrl, StoreError } from '../contract.js';
import { lastVersion, migrationsDir, newerSchema, readMigrations, type Migration } from '../migrations.js';
import { begin, connectionLost } from './sql.js';

export type Sql = postgres.Sql<Record<string, never>>;



/** Where the server is, for messages: host:port/database. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the database URL';
  }
}

/** Instants (BIGINT) come back as numbers: epoch milliseconds fit a double exactly. */
const INT8 = { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) };

/** A pool of connections to `url` (not connected until the first query). */
export function connect(url: string, max = 4): Sql {
  const { url: plain, ssl } = tlsOf(url);
  return postgres(plain, {
    max, onnotice: () => undefined, connect_timeout: 10, idle_timeout: 30,
    // (the driver's types leave out this option of its own)
    types: { int8: INT8 } as never,
    connection: { application_name: 'sla' },
    ...(ssl === undefined ? {} : { ssl }),
    ...({ socket: openSocket } as object),
  }) as unknown as Sql;
}

/**
 * The connection's socket, connected, with Nagle's algorithm off. The driver leaves it on, and
 * a small message written after a big one (the end of a COPY, a query after its data) then
 * waits for the server's delayed acknowledgement — some 40 ms each time on Linux, which made
 * an import of 100,000 tickets wait 12 s of its 22. Same host and port (or Unix socket) as
 * the driver would use: the first of a list, as a team's URL names one server.
 */
function openSocket(o: { host: string[]; port: number[]; path?: string | false; connect_timeout?: number }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = o.path ? createConnection(o.path) : createConnection({ host: o.host[0], port: o.port[0] });
    const timer = setTimeout(() => {
      s.destroy();
      reject(Object.assign(new Error('connect timeout'), { code: 'CONNECT_TIMEOUT' }));
    }, (o.connect_timeout ?? 30) * 1000);
    s.once('error', (err) => { clearTimeout(timer); reject(err); });
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      s.setNoDelay(true);
      // what the driver reads from a socket it made itself (TLS names the host from it)
      Object.assign(s, { host: o.path ? undefined : o.host[0], port: o.path ? undefined : o.port[0] });
      resolve(s);
    });
  });
}

/**
 * The URL's TLS settings as libpq reads them (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`),
 * made the driver's: it passes `sslmode` on but would send the file names to the server as
 * settings. Without a file named, the URL goes as it is. With one, `verify-full` checks the
 * server's certificate against that CA and its name; `verify-ca` (and `require` with a CA, as
 * libpq) the CA only; `disable` no TLS.
 */
export function tlsOf(url: string): { url: string; ssl?: false | ConnectionOptions } {
  let u: URL;
  try { u = new URL(url); } catch { return { url }; }
  const q = u.searchParams;
  const files = ['sslrootcert', 'sslcert', 'sslkey'].filter((k) => q.has(k) && q.get(k) !== 'system');
  if (files.length === 0) return { url };
  const mode = q.get('sslmode') ?? 'prefer';
  const read = (k: string): Buffer | undefined => {
    const f = q.get(k);
    if (f === null || f === 'system') return undefined;
    try { return readFileSync(f); } catch (err) {
      throw new StoreError(`cannot read the ${k} file ${f} named in the database URL (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        'check the path, and that this user may read it', 2);
    }
  };
  const ca = read('sslrootcert');
  const cert = read('sslcert');
  const key = read('sslkey');
  for (const k of ['sslmode', 'sslrootcert', 'sslcert', 'sslkey']) q.delete(k);
  const host = u.hostname.replace(/^\[|\]$/g, '') || 'localhost';
  if (mode === 'disable') return { url: u.href, ssl: false };
  const verify = mode === 'verify-full' || mode === 'verify-ca' || (mode === 'require' && ca !== undefined);
  return {
    url: u.href,
    ssl: {
      ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}),
      rejectUnauthorized: verify,
      // the driver hands TLS a socket without the host: the name is checked against the URL's
      checkServerIdentity: mode === 'verify-full' ? (_: string, cert: PeerCertificate) => checkServerIdentity(host, cert) : () => undefined,
    },
  };
}

const LOCK = 7_250_116; // pg_advisory_xact_lock key of sla's migrations

/**
 * Opens `url`: connects and brings the schema to the last migration this sla knows, in one
 * transaction per migration under the migrations' lock. Refuses (untouched) a database whose
 * schema is newer.
 */
export async function openPostgres(url: string, opts: { migrations?: Migration[]; max?: number } = {}): Promise<Sql> {
  const migrations = opts.migrations ?? readMigrations(migrationsDir('postgres'));
  const known = lastVersion(migrations);
  const sql = connect(url, opts.max);
  try {
    const current = await schemaVersion(sql);
    if (current > known) throw newerSchema(current, known, 'the database');
    if (current < known) {
      await begin(sql, async (tx: Sql) => {
        await tx`SELECT pg_advisory_xact_lock(${LOCK})`;
        await tx`CREATE TABLE IF NOT EXISTS sla_schema (version INTEGER NOT NULL)`;
        // another machine may have migrated while this one waited for the lock
        const [row] = await tx<Array<{ version: number }>>`SELECT version FROM sla_schema`;
        let version = row?.version ?? 0;
        if (version > known) throw newerSchema(version, known, 'the database');
        if (row === undefined) await tx`INSERT INTO sla_schema (version) VALUES (0)`;
        for (const m of migrations) {
          if (m.version <= version) continue;
          await tx.unsafe(m.sql);
          await tx`UPDATE sla_schema SET version = ${m.version}`;
          version = m.version;
        }
      });
    }
    return sql;
  } catch (err) {
    await sql.end({ timeout: 1 }).catch(() => undefined);
    throw describeError(err, url);
  }
}

/** The schema version a database has (0: none yet). */
export async function schemaVersion(sql: Sql): Promise<number> {
  const [t] = await sql<Array<{ t: string | null }>>`SELECT to_regclass('sla_schema')::text AS t`;
  if (t.t === null) return 0;
  const [row] = await sql<Array<{ version: number }>>`SELECT version FROM sla_schema`;
  return row?.version ?? 0;
}

/** A driver or server error as one line for the user (what, where, what to do); never the password. */
export function describeError(err: unknown, url: string): unknown {
  if (err instanceof StoreError) return err;
  const e = err as { code?: string; message?: string; errno?: string };
  const at = where(url);
  const code = e?.code ?? '';
  if (code === 'ECONNREFUSED') return new StoreError(`cannot reach the PostgreSQL server at ${at} (connection refused)`, 'check that the server runs and listens there, and the host and port of `database` (or $SLA_DATABASE_URL)');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new StoreError(`cannot find the PostgreSQL server's host in ${at}`, 'check the host name of `database` (or $SLA_DATABASE_URL)');
  if (code === 'CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return new StoreError(`the PostgreSQL server at ${at} did not answer in time`, 'check the network between this machine and the server, and the server itself');
  if (code === '28P01' || code === '28000') return new StoreError(`the PostgreSQL server at ${at} refused the login`, 'check the user and password in `database` (or $SLA_DATABASE_URL) and pg_hba.conf');
  if (code === '3D000') return new StoreError(`the PostgreSQL server at ${at} has no such database`, 'create it (README: "Team setup"), or check the database name in the URL');
  if (connectionLost(err)) return new StoreError(`lost the connection to the PostgreSQL server at ${at} (${code})`, 'the server restarted, or the network failed: what this command had not committed was not written — run it again');
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) return new StoreError(`the PostgreSQL server at ${at} presented a certificate this machine does not accept (${code})`, 'check `sslrootcert` in the URL (the CA that signed the server\'s certificate) and that the host name is one the certificate names');
  if (code === '42501') return new StoreError(`the PostgreSQL role may not do what sla needs at ${at}`, 'grant it what the README\'s "Team setup" lists');
  const message = (e?.message ?? String(err)).split(url).join(shownUrl(url));
  return new StoreError(`PostgreSQL at ${at}: ${message}`, 'see the server\'s log for more');
}
