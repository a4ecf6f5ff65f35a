// The PostgreSQL engine's statements: SQL written with named parameters (`@now`), as the
// SQL the engines share is, turned into PostgreSQL's numbered ones with a type each — the
// server cannot infer one for a parameter that is only compared or tested for NULL.

import type { Sql } from './open.js';

export type Params = Record<string, unknown>;

/** `@name` → `$k::type` (the type from the value: bigint for whole numbers, double precision, text, boolean). */
export function numbered(text: string, params: Params): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const slot = new Map<string, number>();
  const out = text.replace(/(?<![\w@])@([A-Za-z_]\w*)/g, (whole, name: string) => {
    if (!(name in params)) throw new Error(`no value for @${name} (this is a bug)`);
    let k = slot.get(name);
    if (k === undefined) {
      values.push(params[name] === undefined ? null : params[name]);
      k = values.length;
      slot.set(name, k);
    }
    return `$${k}::${typeOf(params[name])}`;
  });
  return { text: out, values };
}

function typeOf(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'bigint' : 'double precision';
  if (typeof v === 'boolean') return 'boolean';
  return 'text';
}

/** Runs `text` with its named parameters on `sql` (a pool or a transaction). */
export function run<T extends object = Record<string, unknown>>(sql: Sql, text: string, params: Params = {}): Promise<T[]> {
  const n = numbered(text, params);
  return sql.unsafe(n.text, n.values as never[]) as unknown as Promise<T[]>;
}

/** `$1, $2, … $n` from `from`. */
export function placeholders(n: number, from = 1): string {
  return Array.from({ length: n }, (_, i) => `$${from + i}`).join(', ');
}

/**
 * Runs `fn` in one transaction on a connection of its own (as the driver's sql.begin), except
 * when the connection is gone — the server restarted, the backend terminated, the network cut:
 * then no ROLLBACK is sent (the server has rolled the transaction back) and the connection is
 * not handed back to the pool, which has taken it back as closed and reconnects it when needed.
 * Handed back, the driver would write the next query to its closed socket, which throws out of
 * every caller's reach and ends the process (porsager/postgres#1154, #1208) before sla could
 * say what happened.
 */
export async function begin<T>(sql: Sql, modeOrFn: string | ((tx: Sql) => Promise<T>), maybeFn?: (tx: Sql) => Promise<T>): Promise<T> {
  const mode = typeof modeOrFn === 'string' ? ` ${modeOrFn}` : '';
  const fn = typeof modeOrFn === 'string' ? maybeFn! : modeOrFn;
  const conn = await sql.reserve();
  let lost = false;
  try {
    await conn.unsafe(`BEGIN${mode}`);
    let result: T;
    try {
      result = await fn(conn as unknown as Sql);
    } catch (err) {
      lost = connectionLost(err);
      if (!lost) await conn.unsafe('ROLLBACK').catch((e: unknown) => { lost = connectionLost(e); });
      throw err;
    }
    await conn.unsafe('COMMIT');
    return result;
  } catch (err) {
    lost ||= connectionLost(err);
    throw err;
  } finally {
    if (!lost) conn.release();
  }
}

/** The error means the connection is gone (server shut down or restarted, backend terminated, network). */
export function connectionLost(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return code.startsWith('08') || code.startsWith('57P') || /^(CONNECTION_(CLOSED|ENDED|DESTROYED)|ECONNRESET|EPIPE|ETIMEDOUT)$/.test(code);
}
