// The PostgreSQL engine's foundation (team mode, issue 17), against a real server: the schema
// from migrations/postgres/, migrated once when several machines start at once, a newer schema
// refused untouched, and the server's faults said in one line without the password.

import { describe, expect, it } from 'vitest';
import { isServerUrl, shownUrl, StoreError } from '../../src/store/contract.js';
import { readMigrations, migrationsDir } from '../../src/store/migrations.js';
import { connect, openPostgres, schemaVersion } from '../../src/store/postgres/open.js';
import { freshDatabase, POSTGRES_URL } from '../support/postgres.js';

const LAST = readMigrations(migrationsDir('postgres')).at(-1)!.version;

describe('PostgreSQL: URLs', () => {
  it('tells a server URL from a file, and never shows a password', () => {
    expect(isServerUrl('postgres://sla@db.internal/sla')).toBe(true);
    expect(isServerUrl('postgresql://sla@db/sla')).toBe(true);
    expect(isServerUrl('/var/lib/sla/sla.db')).toBe(false);
    expect(shownUrl('postgres://sla:s3cret@db.internal:5433/sla?sslmode=require')).toBe('postgres://sla:***@db.internal:5433/sla?sslmode=require');
  });
});

describe.skipIf(POSTGRES_URL === null)('PostgreSQL: opening a database', () => {
  it('creates the schema of migrations/postgres/ in an empty database, and a second open changes nothing', async () => {
    const url = await freshDatabase();
    const sql = await openPostgres(url);
    try {
      expect(await schemaVersion(sql)).toBe(LAST);
      const tables = (await sql<Array<{ t: string }>>`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`).map((r) => r.t);
      expect(tables).toEqual(['alerts', 'audit', 'disabled_destinations', 'meta', 'open_incidents', 'pull_cursors', 'pulls', 'runs', 'sla_events', 'sla_schema', 'ticket_pause_ends', 'tickets']);
      // instants come back as numbers; the history view reads the same JSON the SQLite engine writes
      await sql`INSERT INTO tickets (id, created_at, history) VALUES ('T1', ${1_767_225_600_000}, '[[1767225600000,"created"],[1767229200000,"reply",null,"import"]]')`;
      expect(await sql`SELECT created_at FROM tickets`).toEqual([{ created_at: 1_767_225_600_000 }]);
      expect(await sql`SELECT seq, at, type, source FROM ticket_events ORDER BY seq`).toEqual([
        { seq: 1, at: 1_767_225_600_000, type: 'created', source: null }, { seq: 2, at: 1_767_229_200_000, type: 'reply', source: 'import' },
      ]);
    } finally {
      await sql.end();
    }
    const again = await openPostgres(url);
    try {
      expect(await schemaVersion(again)).toBe(LAST);
      expect(await again`SELECT count(*)::int AS n FROM tickets`).toEqual([{ n: 1 }]);
    } finally {
      await again.end();
    }
  });

  it('machines that start at once migrate once', async () => {
    const url = await freshDatabase();
    const opened = await Promise.all(Array.from({ length: 6 }, () => openPostgres(url, { max: 1 })));
    try {
      for (const sql of opened) expect(await schemaVersion(sql)).toBe(LAST);
      expect(await opened[0]`SELECT count(*)::int AS n FROM sla_schema`).toEqual([{ n: 1 }]);
    } finally {
      await Promise.all(opened.map((s) => s.end()));
    }
  });

  it('refuses a database a newer sla wrote, and leaves it as it was', async () => {
    const url = await freshDatabase();
    await (await openPostgres(url)).end();
    const admin = connect(url, 1);
    await admin`UPDATE sla_schema SET version = 999`;
    const err = await openPostgres(url).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toBe(`database schema version 999 is newer than this sla knows (${LAST})`);
    expect((err as StoreError).hint).toMatch(/upgrade sla — the database was not touched/);
    expect(await admin`SELECT version FROM sla_schema`).toEqual([{ version: 999 }]);
    await admin.end();
  });

  it('a server that is not there, a database that does not exist: one line each, no password', async () => {
    const down = new URL(POSTGRES_URL!);
    down.port = '1';
    down.password = 'hunter2';
    const e1 = await openPostgres(down.href).then(() => null, (e: unknown) => e) as StoreError;
    expect(e1).toBeInstanceOf(StoreError);
    expect(e1.message).toBe(`cannot reach the PostgreSQL server at ${down.hostname}:1${down.pathname} (connection refused)`);
    expect(`${e1.message} ${e1.hint}`).not.toContain('hunter2');
    const missing = new URL(POSTGRES_URL!);
    missing.pathname = '/sla_no_such_database';
    const e2 = await openPostgres(missing.href).then(() => null, (e: unknown) => e) as StoreError;
    expect(e2.message).toMatch(/has no such database$/);
    expect(e2.hint).toMatch(/Team setup/);
  });

  it.skipIf(!process.env.SLA_TEST_POSTGRES_CA)('TLS from the URL: verify-full against the CA file; a name the certificate does not hold is refused in one line', async () => {
    const ca = process.env.SLA_TEST_POSTGRES_CA!;
    const tls = new URL(POSTGRES_URL!);
    tls.search = `?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`;
    const sql = await openPostgres(tls.href);
    try {
      const [r] = await sql<Array<{ ssl: boolean }>>`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
      expect(r.ssl).toBe(true);
    } finally {
      await sql.end();
    }
    // the certificate names 127.0.0.1 only
    const other = new URL(tls.href);
    other.hostname = 'localhost';
    const e = await openPostgres(other.href).then(() => null, (err: unknown) => err) as StoreError;
    expect(e).toBeInstanceOf(StoreError);
    expect(e.message).toMatch(/^the PostgreSQL server at localhost:\d+\/sla presented a certificate this machine does not accept \(ERR_TLS_CERT_ALTNAME_INVALID\)$/);
    expect(e.hint).toMatch(/sslrootcert/);
    // a CA file that is not there: a usage error before any connection
    const gone = new URL(POSTGRES_URL!);
    gone.search = '?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem';
    const e2 = await openPostgres(gone.href).then(() => null, (err: unknown) => err) as StoreError;
    expect(e2.message).toBe('cannot read the sslrootcert file /nonexistent/ca.pem named in the database URL (ENOENT)');
    expect(e2.exitCode).toBe(2);
  });
});
