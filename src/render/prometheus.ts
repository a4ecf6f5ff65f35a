// The Prometheus text exposition format (version 0.0.4): `# HELP` and `# TYPE` once per metric
// family, then one sample per line, labels sorted by name, values as Prometheus writes them.
// Names follow Prometheus' practice: one `sla_` prefix, base units (seconds, ratios 0–1),
// `_total` for counters, no ticket ids in labels.
// (https://prometheus.io/docs/instrumenting/exposition_formats/, https://prometheus.io/docs/practices/naming/)

export interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: Array<{ labels?: Record<string, string>; value: number }>;
}

/** A label value as the format wants it: backslash, double quote and line feed escaped. */
function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and line feed escaped. */
function helpText(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function value(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

export function exposition(families: readonly Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${helpText(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const l = labels.length ? `{${labels.map(([k, v]) => `${k}="${labelValue(v)}"`).join(',')}}` : '';
      out.push(`${f.name}${l} ${value(s.value)}`);
    }
  }
  return out.join('\n') + '\n';
}
