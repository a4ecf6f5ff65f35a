// The test PostgreSQL server (.ci/postgres start prints its URL as SLA_TEST_POSTGRES_URL; CI sets
// SLA_REQUIRE_POSTGRES=1 so that these tests never skip there). Each test gets a database of its
// own, created here and dropped at the end of the file.

import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll } from 'vitest';

export const POSTGRES_URL = process.env.SLA_TEST_POSTGRES_URL || null;
if (POSTGRES_URL === null && process.env.SLA_REQUIRE_POSTGRES === '1') {
  throw new Error('no test PostgreSQL server: eval "$(.ci/postgres start)" sets SLA_TEST_POSTGRES_URL (.ci/run does)');
}

const created: string[] = [];

/** The URL of a new, empty database on the test server. */
export async function freshDatabase(): Promise<string> {
  const name = `sla_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(POSTGRES_URL!, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  created.push(name);
  const u = new URL(POSTGRES_URL!);
  u.pathname = `/${name}`;
  return u.href;
}

afterAll(async () => {
  if (created.length === 0) return;
  const admin = postgres(POSTGRES_URL!, { max: 1, onnotice: () => undefined });
  try {
    for (const name of created.splice(0)) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
});
