// The metric table (src/domain/metrics.ts): every name a metric goes by agrees with where
// that name is used — the tickets table's columns, the SLA event types, the computed SLA's
// keys, and what a user may type.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { METRIC, METRICS, metricNamed } from '../../src/domain/metrics.js';
import { readMigrations } from '../../src/store/sqlite/open.js';
import { transitionsOf } from '../../src/domain/transitions.js';

describe('the metric table', () => {
  it('names columns the tickets table has, for every metric', () => {
    const db = new Database(':memory:');
    for (const m of readMigrations()) db.exec(m.sql);
    const columns = new Set((db.prepare('PRAGMA table_info(tickets)').all() as Array<{ name: string }>).map((c) => c.name));
    for (const m of METRICS) {
      for (const suffix of ['status', 'due_at', 'at_risk_at', 'stopped_at', 'elapsed_min', 'breach_reason']) {
        expect(columns.has(`${METRIC[m].column}_${suffix}`), `${m}: ${METRIC[m].column}_${suffix}`).toBe(true);
      }
    }
    db.close();
  });

  it('names the SLA events a running clock leads to', () => {
    const metric = (name: string) => ({ metric: name, stoppedAt: null, atRiskAt: 1000, dueAt: 2000 });
    const clock = { metrics: Object.fromEntries(METRICS.map((m) => [m, metric(m)])) };
    const types = transitionsOf({ clock, now: 0, fired: new Set(), rules: [] } as never).map((t) => [t.metric, t.type]);
    expect(types).toEqual(METRICS.flatMap((m) => [[m, `${METRIC[m].event}_warning`], [m, `${METRIC[m].event}_breached`]]));
  });

  it('reads back every alias a user may type, in any case, with - or a space for _', () => {
    for (const m of METRICS) {
      for (const a of METRIC[m].aliases) {
        expect(metricNamed(a)).toBe(m);
        expect(metricNamed(` ${a.toUpperCase().replace(/_/g, '-')} `)).toBe(m);
      }
      expect(METRIC[m].aliases[0]).toBe(m);
    }
    expect(metricNamed('first response')).toBe('first_response');
    expect(metricNamed('reply')).toBeNull();
    expect(new Set(METRICS.map((m) => METRIC[m].key))).toEqual(new Set(['firstResponse', 'resolution']));
  });
});
