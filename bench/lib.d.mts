// Types of lib.mjs, for the tests that share its seeded PRNG (test/support/build.ts).
export declare const ROOT: string;
export declare const BIN: string;
export declare const DATA: string;
/** A seeded PRNG (mulberry32): numbers in [0, 1). */
export declare function mulberry32(seed: number): () => number;
export declare function timed(
  cmd: string, args: string[], opts?: Record<string, unknown>,
): Promise<{ ms: number; code: number | null; stdout: string; stderr: string; peakMb: number }>;
export declare const median: (xs: number[]) => number;
export declare function report(r: unknown): void;
export declare function freshDb(file: string): void;
export declare function sqliteImport(csv: string, db: string): ReturnType<typeof timed>;
