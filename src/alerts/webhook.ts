// A generic HTTP webhook: one JSON event per request, never a digest, so that a receiver
// can drop a repeat by the event's stable id (also sent as the idempotency key).
//
// With a `secret`, each request is signed per the Standard Webhooks specification
// (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
// `webhook-id` is the event's stable id (the same on every retry, no "."), `webhook-timestamp`
// the attempt's time in Unix seconds (new on every retry: receivers refuse old ones), and
// `webhook-signature` is "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)),
// the key being the secret's base64 after "whsec_", the body the very bytes sent.
import { createHmac } from 'node:crypto';
import type { WebhookDestination } from '../config/types.js';
import { alertEvent, isHttpUrl, isLiteral, resolveField, type Destination } from './destination.js';

const SECRET_HEADERS = /^(authorization|proxy-authorization|x-api-key|api-key|x-auth-token|x-access-token)$/i;

/** A Standard Webhooks symmetric secret: "whsec_" and the base64 of 24 to 64 random bytes. */
const WHSEC = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/** The HMAC key of a "whsec_…" secret, or null when it is no such secret. */
export function webhookKey(secret: string): Buffer | null {
  const m = WHSEC.exec(secret.trim());
  if (!m) return null;
  const key = Buffer.from(m[1], 'base64');
  return key.length >= 24 && key.length <= 64 ? key : null;
}

const NOT_A_SECRET = 'is not a Standard Webhooks secret ("whsec_" and the base64 of 24 to 64 random bytes, e.g. from `openssl rand -base64 32`)';

/** The three Standard Webhooks headers for `body` sent as `id` at `timestampSec`. */
export function signatureHeaders(key: Buffer, id: string, timestampSec: number, body: string): Record<string, string> {
  const signature = createHmac('sha256', key).update(`${id}.${timestampSec}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSec), 'webhook-signature': `v1,${signature}` };
}

interface WebhookTarget { url: string; headers: Record<string, string>; key: Buffer | null }

export const webhook: Destination<WebhookDestination, WebhookTarget, ReturnType<typeof alertEvent>> = {
  load(raw, { name, report }) {
    if (isLiteral(raw.url) && !isHttpUrl(raw.url)) report(['url'], 'is not an http(s):// URL');
    if (raw.secret !== undefined && isLiteral(raw.secret) && webhookKey(raw.secret) === null) report(['secret'], NOT_A_SECRET);
    return { name, type: 'webhook', url: raw.url, headers: { ...raw.headers }, secret: raw.secret ?? null };
  },
  variableTexts: (d) => [
    { path: ['url'], text: d.url },
    ...Object.entries(d.headers).map(([h, v]) => ({ path: ['headers', h], text: v })),
    ...(d.secret === null ? [] : [{ path: ['secret'], text: d.secret }]),
  ],
  lint(d, warn) {
    for (const [h, v] of Object.entries(d.headers)) {
      if (SECRET_HEADERS.test(h) && isLiteral(v)) {
        warn(['headers', h], 'looks like a credential written into the file; use "$VARIABLE" and set it in the environment');
      }
    }
    if (d.secret !== null && isLiteral(d.secret)) {
      warn(['secret'], 'a signing secret is written into the file; write "$WEBHOOK_SECRET" here and set that environment variable');
    }
  },
  resolve(d, env) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.headers)) headers[k] = resolveField(d, `headers.${k}`, v, env);
    let key: Buffer | null = null;
    if (d.secret !== null) {
      key = webhookKey(resolveField(d, 'secret', d.secret, env));
      if (key === null) throw new Error(`alerts.destinations.${d.name}.secret: the value of its variable ${NOT_A_SECRET}`);
    }
    return { url: resolveField(d, 'url', d.url, env), headers, key };
  },
  render: (d, alert) => alertEvent(d, alert),
  send(target, event, transport) {
    const body = JSON.stringify(event);
    const signed = target.key === null ? {} : signatureHeaders(target.key, event.id, Math.floor(Date.now() / 1000), body);
    return transport.postJsonText(target.url, { ...target.headers, 'idempotency-key': event.id, ...signed }, body);
  },
};
