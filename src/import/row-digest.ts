// Row digests: how an import recognises a row it has already imported. Pure functions of
// the normalised row (no I/O, no state between calls); 64 bits as 16 hex digits — they only
// have to tell one row of a ticket from that ticket's other rows. The digests are stored:
// the same row must give the same digest in every version (test/unit/row-digest.test.ts).

import { hash } from 'node:crypto';
import type { EventRow, ExportTicketRow } from './types.js';

// Tags that mark what follows.
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

/** Character codes of the hex digits. */
const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A digest being made: two 32-bit lanes, mixed value by value (strings two UTF-16 code
 * units at a time), finished by murmur's finaliser. One per digest.
 */
class Lanes {
  private a = 0x811c9dc5;
  private b = 0x2545f491;

  mix(c: number): void {
    this.a = Math.imul(this.a ^ c, P1);
    const b = Math.imul(this.b ^ c, P2);
    this.b = b ^ (b >>> 15);
  }

  /** 1 when the field is present (not undefined). */
  str(value: string | null | undefined): number {
    if (value === undefined) { this.mix(UNDEFINED); return 0; }
    if (value === null) { this.mix(NULL); return 1; }
    // Not text (the readers give text; just in case): its JSON.
    const s: string = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
    const n = s.length;
    this.mix(STRING);
    this.mix(n);
    // the lanes in locals for the loop: fields live in memory, locals in registers
    let a = this.a;
    let b = this.b;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const c = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
      a = Math.imul(a ^ c, P1);
      b = Math.imul(b ^ c, P2);
      b ^= b >>> 15;
    }
    this.a = a;
    this.b = b;
    if (i < n) this.mix(s.charCodeAt(i));
    return 1;
  }

  /** 1 when the field is present (not undefined). */
  num(n: number | null | undefined): number {
    if (n === undefined) { this.mix(UNDEFINED); return 0; }
    if (n === null) { this.mix(NULL); return 1; }
    if (typeof n !== 'number') {
      this.mix(NUMBER);
      this.str(JSON.stringify(n) ?? String(n));
    } else if (Number.isSafeInteger(n)) {
      this.mix(INT);
      this.mix(n >>> 0);
      this.mix(Math.floor(n / 4294967296));
    } else {
      this.mix(NUMBER);
      this.str(String(n));
    }
    return 1;
  }

  /** The digest as 16 hex digits, made as one flat string (it is compared and stored, never sliced). */
  hex(): string {
    const a = fmix(this.a);
    const b = fmix(this.b);
    return String.fromCharCode(
      HEX[a >>> 28], HEX[(a >>> 24) & 15], HEX[(a >>> 20) & 15], HEX[(a >>> 16) & 15],
      HEX[(a >>> 12) & 15], HEX[(a >>> 8) & 15], HEX[(a >>> 4) & 15], HEX[a & 15],
      HEX[b >>> 28], HEX[(b >>> 24) & 15], HEX[(b >>> 20) & 15], HEX[(b >>> 16) & 15],
      HEX[(b >>> 12) & 15], HEX[(b >>> 8) & 15], HEX[(b >>> 4) & 15], HEX[b & 15],
    );
  }

  /** 52 bits of the digest, as a number. */
  key(): number {
    return (fmix(this.a) & 0xfffff) * 4294967296 + fmix(this.b);
  }
}

/**
 * Digest of a normalised ticket row: the same row imported again is skipped at once. Over
 * every field, field by field — no JSON, no crypto: it only has to tell a ticket's row from
 * that ticket's previous row. A row with a field this function does not know is digested
 * from its JSON instead ('j' + SHA-1).
 */
export function rowHash(row: ExportTicketRow): string {
  const h = new Lanes();
  let known = h.str(row.id) + h.num(row.createdAt) + h.num(row.firstResponseAt) + h.num(row.resolvedAt) +
    h.num(row.closedAt) + h.num(row.updatedAt) + h.str(row.subject) + h.str(row.requester) + h.str(row.customer) +
    h.str(row.tier) + h.str(row.priority) + h.str(row.status) + h.str(row.assignee) + h.str(row.group) +
    h.str(row.channel);
  if (row.tags === undefined) h.mix(UNDEFINED);
  else {
    known++;
    h.mix(LIST);
    h.mix(row.tags.length);
    for (const t of row.tags) h.str(t);
  }
  if (row.custom === undefined) h.mix(UNDEFINED);
  else {
    known++;
    h.mix(OBJECT);
    let n = 0;
    for (const k in row.custom) {
      const v: unknown = row.custom[k];
      h.str(k);
      h.str(typeof v === 'string' ? v : JSON.stringify(v));
      n++;
    }
    h.mix(n);
  }
  let fields = 0;
  for (const k in row) if ((row as unknown as Record<string, unknown>)[k] !== undefined) fields++;
  if (fields !== known) return 'j' + hash('sha1', JSON.stringify(row), 'base64');
  return h.hex();
}

/** Digest of a text (an event-log row's key or content), in the form rowHash gives. */
export function textDigest(s: string): string {
  const h = new Lanes();
  h.str(s);
  return h.hex();
}

/**
 * An event-log row's identity within its ticket: the digest of its key column's value
 * when the mapping names one (events.key), else of everything the row says. Mixed field
 * by field, as rowHash is (no text is built).
 */
export function eventRowDigest(r: Omit<EventRow, 'ticketId' | 'digest'>, key: string | null): string {
  const h = new Lanes();
  if (key !== null) {
    h.mix(KEY);
    h.str(key);
    return h.hex();
  }
  h.num(r.at); h.str(r.actor); h.num(r.createdAt); h.num(r.firstResponseAt); h.num(r.resolvedAt); h.num(r.closedAt);
  h.mix(LIST);
  h.mix(r.events.length);
  const evs = r.events;
  for (let k = 0; k < evs.length; k++) { h.str(evs[k].type); h.str(evs[k].value); }
  h.mix(OBJECT);
  const a = r.attrs;
  for (const k in a) {
    const v = (a as Record<string, unknown>)[k];
    h.str(k);
    if (typeof v === 'string') h.str(v);
    else if (Array.isArray(v)) { h.mix(LIST); h.mix(v.length); for (const x of v) h.str(x as string); }
    else if (v !== null && typeof v === 'object') {
      h.mix(OBJECT);
      for (const c in v as Record<string, string>) { h.str(c); h.str((v as Record<string, string>)[c]); }
    } else h.str(JSON.stringify(v) ?? null);
  }
  return h.hex();
}

/**
 * A number for a text (a ticket id), 52 bits: a key that holds no reference to the text
 * (a string read from a file can keep the file's whole chunk alive). Two texts may share
 * one: callers must only lose time, never data, when they do.
 */
export function textKey(s: string): number {
  const h = new Lanes();
  h.str(s);
  return h.key();
}
