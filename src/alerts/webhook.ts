// A generic HTTP webhook: one JSON event per request, never a digest, so that a receiver
// can drop a repeat by the event's stable id (also sent as the idempotency key).
import type { WebhookDestination } from '../config/types.js';
import { alertEvent, isHttpUrl, isLiteral, resolveField, type Destination } from './destination.js';

const SECRET_HEADERS = /^(authorization|proxy-authorization|x-api-key|api-key|x-auth-token|x-access-token)$/i;

export const webhook: Destination<WebhookDestination, { url: string; headers: Record<string, string> }, ReturnType<typeof alertEvent>> = {
  load(raw, { name, report }) {
    if (isLiteral(raw.url) && !isHttpUrl(raw.url)) report(['url'], 'is not an http(s):// URL');
    return { name, type: 'webhook', url: raw.url, headers: { ...raw.headers } };
  },
  variableTexts: (d) => [
    { path: ['url'], text: d.url },
    ...Object.entries(d.headers).map(([h, v]) => ({ path: ['headers', h], text: v })),
  ],
  lint(d, warn) {
    for (const [h, v] of Object.entries(d.headers)) {
      if (SECRET_HEADERS.test(h) && isLiteral(v)) {
        warn(['headers', h], 'looks like a credential written into the file; use "$VARIABLE" and set it in the environment');
      }
    }
  },
  resolve(d, env) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.headers)) headers[k] = resolveField(d, `headers.${k}`, v, env);
    return { url: resolveField(d, 'url', d.url, env), headers };
  },
  render: (d, alert) => alertEvent(d, alert),
  send: (target, event, transport) => transport.postJson(target.url, { ...target.headers, 'idempotency-key': event.id }, event),
};
