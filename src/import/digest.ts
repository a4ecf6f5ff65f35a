// Row digests: how an import recognises a row it has already imported. Pure functions of
// the normalised row (no I/O); 64 bits as 16 hex digits — they only have to tell one row of
// a ticket from that ticket's other rows.

import { hash } from 'node:crypto';
import type { EventRow, TicketRow } from './types.js';

/**
 * Digest of a normalised row: the same row imported again is skipped at once. 64 bits
 * (two 32-bit lanes) over every field, computed field by field — no JSON, no crypto: it
 * only has to tell a ticket's row from that ticket's previous row. A row with a field
 * this function does not know is digested from its JSON instead.
 */
export function rowHash(row: TicketRow): string {
  h1 = 0x811c9dc5;
  h2 = 0x2545f491;
  let known = mixStr(row.id) + mixNum(row.createdAt) + mixNum(row.firstResponseAt) + mixNum(row.resolvedAt) +
    mixNum(row.closedAt) + mixNum(row.updatedAt) + mixStr(row.subject) + mixStr(row.requester) + mixStr(row.customer) +
    mixStr(row.tier) + mixStr(row.priority) + mixStr(row.status) + mixStr(row.assignee) + mixStr(row.group) +
    mixStr(row.channel);
  if (row.tags === undefined) mix(UNDEFINED);
  else {
    known++;
    mix(LIST);
    mix(row.tags.length);
    for (const t of row.tags) mixStr(t);
  }
  if (row.custom === undefined) mix(UNDEFINED);
  else {
    known++;
    mix(OBJECT);
    let n = 0;
    for (const k in row.custom) {
      const v: unknown = row.custom[k];
      mixStr(k);
      mixStr(typeof v === 'string' ? v : JSON.stringify(v));
      n++;
    }
    mix(n);
  }
  let fields = 0;
  for (const k in row) if ((row as unknown as Record<string, unknown>)[k] !== undefined) fields++;
  if (fields !== known) return 'j' + hash('sha1', JSON.stringify(row), 'base64');
  return hex(fmix(h1), fmix(h2));
}

/** 16 hex digits, made as one flat string (it is compared and stored, never sliced). */
function hex(a: number, b: number): string {
  return String.fromCharCode(
    HEX[a >>> 28], HEX[(a >>> 24) & 15], HEX[(a >>> 20) & 15], HEX[(a >>> 16) & 15],
    HEX[(a >>> 12) & 15], HEX[(a >>> 8) & 15], HEX[(a >>> 4) & 15], HEX[a & 15],
    HEX[b >>> 28], HEX[(b >>> 24) & 15], HEX[(b >>> 20) & 15], HEX[(b >>> 16) & 15],
    HEX[(b >>> 12) & 15], HEX[(b >>> 8) & 15], HEX[(b >>> 4) & 15], HEX[b & 15],
  );
}

// rowHash's state, and tags that mark what follows.
let h1 = 0;
let h2 = 0;
const UNDEFINED = 0x10001;
const NULL = 0x10002;
const STRING = 0x10003;
const INT = 0x10004;
const NUMBER = 0x10005;
const LIST = 0x10006;
const OBJECT = 0x10007;
const KEY = 0x10008;

const P1 = 0x01000193;
const P2 = 0x5bd1e995;

function mix(c: number): void {
  h1 = Math.imul(h1 ^ c, P1);
  h2 = Math.imul(h2 ^ c, P2);
  h2 ^= h2 >>> 15;
}

/** 1 when the field is present (not undefined). */
function mixStr(value: string | null | undefined): number {
  if (value === undefined) { mix(UNDEFINED); return 0; }
  if (value === null) { mix(NULL); return 1; }
  // Not text (the readers give text; just in case): its JSON.
  const s: string = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const n = s.length;
  mix(STRING);
  mix(n);
  // mix() per two 16-bit code units, with the state in locals: h1/h2 are module
  // variables, which V8 keeps in memory (a context), not in registers.
  let a = h1;
  let b = h2;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const c = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    a = Math.imul(a ^ c, P1);
    b = Math.imul(b ^ c, P2);
    b ^= b >>> 15;
  }
  h1 = a;
  h2 = b;
  if (i < n) mix(s.charCodeAt(i));
  return 1;
}

function mixNum(n: number | null | undefined): number {
  if (n === undefined) { mix(UNDEFINED); return 0; }
  if (n === null) { mix(NULL); return 1; }
  if (typeof n !== 'number') {
    mix(NUMBER);
    mixStr(JSON.stringify(n) ?? String(n));
  } else if (Number.isSafeInteger(n)) {
    mix(INT);
    mix(n >>> 0);
    mix(Math.floor(n / 4294967296));
  } else {
    mix(NUMBER);
    mixStr(String(n));
  }
  return 1;
}

/** Character codes of the hex digits. */
const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Digest of a text (an event-log row's key or content), in the form rowHash gives. */
export function textDigest(s: string): string {
  h1 = 0x811c9dc5;
  h2 = 0x2545f491;
  mixStr(s);
  return hex(fmix(h1), fmix(h2));
}

/**
 * An event-log row's identity within its ticket: the digest of its key column's value
 * when the mapping names one (events.key), else of everything the row says. Mixed field
 * by field, as rowHash is (no text is built).
 */
export function eventRowDigest(r: Omit<EventRow, 'ticketId' | 'digest'>, key: string | null): string {
  h1 = 0x811c9dc5;
  h2 = 0x2545f491;
  if (key !== null) {
    mix(KEY);
    mixStr(key);
    return hex(fmix(h1), fmix(h2));
  }
  mixNum(r.at); mixStr(r.actor); mixNum(r.createdAt); mixNum(r.firstResponseAt); mixNum(r.resolvedAt); mixNum(r.closedAt);
  mix(LIST);
  mix(r.events.length);
  const evs = r.events;
  for (let k = 0; k < evs.length; k++) { mixStr(evs[k].type); mixStr(evs[k].value); }
  mix(OBJECT);
  const a = r.attrs;
  for (const k in a) {
    const v = (a as Record<string, unknown>)[k];
    mixStr(k);
    if (typeof v === 'string') mixStr(v);
    else if (Array.isArray(v)) { mix(LIST); mix(v.length); for (const x of v) mixStr(x as string); }
    else if (v !== null && typeof v === 'object') {
      mix(OBJECT);
      for (const c in v as Record<string, string>) { mixStr(c); mixStr((v as Record<string, string>)[c]); }
    } else mixStr(JSON.stringify(v) ?? null);
  }
  return hex(fmix(h1), fmix(h2));
}

/**
 * A number for a text (a ticket id), 52 bits: a key that holds no reference to the text
 * (a string read from a file can keep the file's whole chunk alive). Two texts may share
 * one: callers must only lose time, never data, when they do.
 */
export function textKey(s: string): number {
  h1 = 0x811c9dc5;
  h2 = 0x2545f491;
  mixStr(s);
  return (fmix(h1) & 0xfffff) * 4294967296 + fmix(h2);
}
