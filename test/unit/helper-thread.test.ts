// An import's helper threads run at a lower priority than the thread that merges
// (src/helper-thread.ts): the nice value of a real thread, read from /proc, before and after.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { compiledUrl } from '../support/compiled.js';

/** The nice value of the calling thread (field 19 of its stat). */
const niceOfThisThread = (): number => Number(readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')[16]);

describe('a helper thread of an import', () => {
  it.runIf(process.platform === 'linux')('runs at a lower priority than the thread that started it', async () => {
    // the built module (dist/, built before the tests run): a worker runs plain JavaScript
    const url = compiledUrl('helper-thread.js');
    // the worker reads its own nice value before and after (field 19 of /proc/thread-self/stat)
    const code = `
      const { readFileSync } = require('node:fs');
      const nice = () => Number(readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')[16]);
      const before = nice();
      import(${JSON.stringify(url)}).then((m) => { m.runAsHelperThread(); require('node:worker_threads').parentPort.postMessage([before, nice()]); });
    `;
    const mainNice = niceOfThisThread();
    const [before, after] = await new Promise<number[]>((resolve, reject) => {
      const w = new Worker(code, { eval: true });
      w.once('message', (m: number[]) => { void w.terminate(); resolve(m); });
      w.once('error', reject);
    });
    expect(before).toBe(mainNice);
    expect(after).toBe(Math.min(19, mainNice + 10));
    // the thread that started it keeps its priority
    expect(niceOfThisThread()).toBe(mainNice);
  });
});
