// Sources: the text of an export, a chunk at a time, from a file or a stream (standard input),
// decoded as UTF-8 (byte sequences that are not UTF-8 are counted). What a source's path says
// (its format by extension, '-' for standard input, its name in messages) is known here only.

import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { ImportError } from './errors.js';
import { hasControl, invalidSequences } from './plain-csv.js';
import { CONTROL } from './rows.js';
import type { ReaderOptions, SourceFormat } from './types.js';

/**
 * Bytes read at a time. Small on purpose: the rows of a chunk die young (before the next
 * scavenge), where bigger chunks made the garbage collector promote them.
 */
const CHUNK_BYTES = 1 << 16;

/** The format of a source: opts.format, else the mapping's, else by extension (.json, .ndjson/.jsonl), else csv. */
export function detectFormat(opts: Pick<ReaderOptions, 'source' | 'format' | 'mapping'>): SourceFormat {
  if (opts.format) return opts.format;
  if (opts.mapping?.format) return opts.mapping.format;
  if (opts.source === '-') return 'csv';
  const ext = extname(opts.source).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  return 'csv';
}

/** How messages name a source: its path, or "standard input" for '-'. */
export function sourceName(source: string): string {
  return source === '-' ? 'standard input' : source;
}

/** The text of an export, a chunk at a time (null at the end). */
export interface TextSource {
  read(): Promise<string | null>;
  close(): Promise<void>;
  bytes: number;
  /** Byte sequences that were not UTF-8, decoded as U+FFFD so far. */
  invalid: number;
  /**
   * Whether the text read so far may hold a control character (rows.ts CONTROL): looked for
   * in each chunk's bytes, four at a time, before they are decoded (cheaper than a regular
   * expression over the decoded text). May say so when there is none (a chunk that ends in
   * the first byte of a two-byte sequence), never the other way round.
   */
  controls: boolean;
}

/** What TextSource.controls says of one chunk of bytes (a trailing C2 may begin a C1 control). */
function chunkMayHoldControls(bytes: Buffer): boolean {
  return hasControl(bytes, 0, bytes.length) || (bytes.length > 0 && bytes[bytes.length - 1] === 0xc2);
}

/** The source `opts` names: standard input (opts.stdin, else process.stdin) for '-', else the file. */
export async function openSource(opts: Pick<ReaderOptions, 'source' | 'stdin'>): Promise<TextSource> {
  return opts.source === '-' ? openStream(opts.stdin ?? process.stdin) : openFile(opts.source);
}

async function openFile(path: string): Promise<TextSource> {
  let fh: FileHandle;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied'
      : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new ImportError(`cannot read ${path}: ${why}`, 'check the file name, or pass - to read standard input');
  }
  // Two buffers: the next chunk is read while the current one is parsed.
  const bufs = [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
  let k = 0;
  const decoder = new StringDecoder('utf8'); // StringDecoder: the faster decoder here; the BOM is stripped later
  let done = false;
  let closed = false;
  let pending: Promise<number> | null = null;
  const start = (): Promise<number> => {
    const p = fh.read(bufs[k], 0, CHUNK_BYTES, null).then((r) => r.bytesRead);
    p.catch(() => undefined); // awaited by read(); never an unhandled rejection
    return p;
  };
  const src: TextSource = {
    bytes: 0,
    invalid: 0,
    controls: false,
    async read() {
      if (done) return null;
      pending ??= start();
      const bytesRead = await pending;
      pending = null;
      if (bytesRead === 0) {
        done = true;
        const tail = decoder.end();
        return tail.length > 0 ? tail : null;
      }
      const cur = bufs[k];
      k ^= 1;
      pending = start(); // into the other buffer
      src.bytes += bytesRead;
      const bytes = cur.subarray(0, bytesRead);
      if (!src.controls && chunkMayHoldControls(bytes)) src.controls = true;
      const text = decoder.write(bytes);
      src.invalid += invalidSequences(bytes, text);
      return text;
    },
    async close() {
      if (closed) return;
      closed = true;
      done = true;
      if (pending) await pending.catch(() => undefined);
      await fh.close();
    },
  };
  return src;
}

function openStream(stream: NodeJS.ReadableStream): TextSource {
  const it = (stream as AsyncIterable<string | Buffer>)[Symbol.asyncIterator]();
  const decoder = new StringDecoder('utf8'); // StringDecoder: the faster decoder here; the BOM is stripped later
  let done = false;
  const src: TextSource = {
    bytes: 0,
    invalid: 0,
    controls: false,
    async read() {
      if (done) return null;
      const r = await it.next();
      if (r.done) {
        done = true;
        const tail = decoder.end();
        return tail.length > 0 ? tail : null;
      }
      const chunk = r.value;
      if (typeof chunk === 'string') {
        src.bytes += Buffer.byteLength(chunk);
        if (!src.controls && CONTROL.test(chunk)) src.controls = true;
        return chunk;
      }
      src.bytes += chunk.length;
      if (!src.controls && chunkMayHoldControls(chunk)) src.controls = true;
      const text = decoder.write(chunk);
      src.invalid += invalidSequences(chunk, text);
      return text;
    },
    async close() {
      if (!done) { done = true; await it.return?.(); }
    },
  };
  return src;
}
