// sla config check — validate (errors: exit 2) and lint (warnings: exit 0).

import { ConfigError, formatIssue } from '../config/errors.js';
import type { Context } from './context.js';

export async function run(ctx: Context): Promise<number> {
  const format = ctx.format(['table', 'json']);
  try {
    const config = await ctx.config({ lintErrors: false }); // its errors are listed below, with the warnings
    const { lintConfig } = await import('../config/lint.js');
    const findings = lintConfig(config, ctx.env, await ctx.now());
    const errors = findings.filter((f) => f.level === 'error');
    const warnings = findings.filter((f) => f.level === 'warning');
    if (format === 'json') {
      ctx.data(JSON.stringify({ config: config.configPath, ok: errors.length === 0, errors, warnings }));
    } else {
      for (const f of findings) ctx.out(`${f.level}: ${formatIssue(f)}`);
      const summary = `${Object.keys(config.calendars).length} calendars, ${config.policies.length} policies, ` +
        `${Object.keys(config.alerts.destinations).length} alert destinations, ${config.escalations.length} escalation rules`;
      ctx.out(errors.length
        ? `${config.configPath}: ${errors.length} error(s), ${warnings.length} warning(s)`
        : `${config.configPath}: OK (${summary})${warnings.length ? `, ${warnings.length} warning(s)` : ''}`);
    }
    return errors.length ? 2 : 0;
  } catch (err) {
    if (!(err instanceof ConfigError) || err.issues.length === 0) throw err;
    if (format === 'json') {
      ctx.data(JSON.stringify({ config: err.file ?? null, ok: false, errors: err.issues.map((i) => ({ level: 'error', ...i })), warnings: [] }));
    } else {
      for (const issue of err.issues) ctx.stderr.write(`sla: ${formatIssue(issue)}\n`);
      ctx.stderr.write(`sla: ${err.issues.length} problem(s) in ${err.file ?? 'the config'} — fix them and run \`sla config check\` again\n`);
    }
    return 2;
  }
}
