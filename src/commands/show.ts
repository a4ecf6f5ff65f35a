// sla show ID — one ticket as of now (or --at), explained: app/show.ts gathers it,
// render/show.ts shows it.

import { ticketDetails } from '../app/show.js';
import { dataText, DOCUMENT_FORMATS } from '../render/output.js';
import { HISTORY_KEYS, historyRows, showJson, showText } from '../render/show.js';
import type { Context } from './context.js';

export async function run(ctx: Context, id: string): Promise<number> {
  const format = ctx.format(DOCUMENT_FORMATS);
  const s = await ctx.setup();
  const d = await ticketDetails(s, id);
  if (format === 'json') {
    ctx.data(JSON.stringify(showJson(d)));
    return 0;
  }
  if (format === 'csv' || format === 'ndjson') {
    ctx.stdout.write(dataText(format, historyRows(d), HISTORY_KEYS));
    return 0;
  }
  const opts = { zone: s.config.timezone, color: ctx.color, width: ctx.width, atRiskThresholdPercent: s.config.atRiskThresholdPercent };
  for (const line of await showText(d, opts)) ctx.out(line);
  return 0;
}
