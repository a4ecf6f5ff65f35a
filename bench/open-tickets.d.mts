// Types of open-tickets.mjs, for the test that shares its data: Q the query, R a stored
// record, E an evaluated one (the caller's modules' types).
export declare const PRIORITIES: string[];
export declare const LIST_CASES: Array<Record<string, unknown>>;
export declare function fillOpenTickets<Q, R, E>(
  modules: { Calendar: new (spec: never) => unknown; computeSla: (...args: never[]) => unknown },
  store: { saveTickets(batch: never[]): void },
  n: number,
): { query: Q; evaluate: (rec: R) => E };
