/**
 * Runtime-neutral timing for the M1 bench: the same code runs inside workerd (the vitest
 * half) and in Node (bench/report.ts), so the two rows it produces differ only by runtime.
 *
 * Local workerd's performance.now() advances during pure CPU work but in whole
 * milliseconds, far coarser than one M1 prediction (~0.1 ms). So each ticket is timed
 * from a clock edge: start right after a tick, repeat the call until the clock shows at
 * least `minMs` more, and divide by the number of calls (see perCallUs for the half-tick
 * correction). On Node's fine clock the same code is exact to well under 1%.
 *
 * Caveat, measured by the Node rows of the report: repeating one ticket keeps its data in
 * cache, so these per-ticket figures are lower than one cold call on a stream of different
 * tickets; `batchMeanUs` (whole passes, tickets in turn) is the check on that.
 */

export type Now = () => number;
export type BenchTicket = { subject: string; body: string };

export type Distribution = { medianUs: number; p99Us: number; maxUs: number; meanUs: number };

export type PathResult = Distribution & {
  /** Mean of the fastest whole pass over every ticket in turn, one clock reading per pass: the cache-cold check on the per-ticket figures. */
  batchMeanUs: number;
  tickets: number;
  /** Median calls per ticket in its kept sweep (the K of "K repetitions, divided"). */
  medianCalls: number;
};

export type LoadResult = { reps: number; meanMs: number; medianMs: number; minMs: number };

export const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** The smallest non-zero step of the clock, in ms (1 in local workerd, ~1e-4 in Node). */
export function clockResolutionMs(now: Now = () => performance.now(), samples = 200): number {
  let smallest = Infinity;
  let last = now();
  for (let seen = 0; seen < samples; ) {
    const t = now();
    if (t !== last) {
      smallest = Math.min(smallest, t - last);
      last = t;
      seen++;
    }
  }
  return smallest;
}

/**
 * µs per call of `fn`. The run starts just after a tick (true start = t0) and stops at the
 * first reading t1 >= t0 + minMs, so the true duration D of `calls` calls lies in
 * [t1 - t0, t1 - t0 + tick), and when calls are shorter than a tick the closing tick fell
 * inside the last call. Taking the midpoint of what is known: per call =
 * (t1 - t0) / (calls - 0.5) while that is under one tick, else (t1 - t0 + tick / 2) / calls.
 */
export function perCallUs(fn: () => unknown, minMs: number, tickMs: number, now: Now = () => performance.now()): { us: number; calls: number } {
  const before = now();
  let t0: number;
  while ((t0 = now()) === before);
  let calls = 0;
  let t1: number;
  do {
    fn();
    calls++;
    t1 = now();
  } while (t1 - t0 < minMs);
  const shown = t1 - t0;
  const shortCalls = calls > 1 ? shown / (calls - 0.5) : Infinity;
  return { us: (shortCalls <= tickMs ? shortCalls : (shown + tickMs / 2) / calls) * 1000, calls };
}

function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return { medianUs: round(quantile(sorted, 0.5)), p99Us: round(quantile(sorted, 0.99)), maxUs: round(sorted[sorted.length - 1]!), meanUs: round(mean) };
}

export type PathOptions = { minMs: number; tickMs: number; rounds?: number; warmupPasses?: number; batchPasses?: number; now?: Now };

/**
 * Times several paths over the same tickets: warm-up passes, whole passes for the batch
 * mean (the fastest pass), then each ticket by perCallUs. Paths alternate ticket by ticket,
 * so a burst of load from another process hits them alike, and every ticket is timed in
 * `rounds` separate sweeps keeping its fastest: on a shared machine a sweep that another
 * process pre-empted says nothing about M1 (it used to put p99 in the milliseconds).
 */
export function timePaths<K extends string>(tickets: readonly BenchTicket[], paths: Record<K, (t: BenchTicket) => unknown>, opts: PathOptions): Record<K, PathResult> {
  const now = opts.now ?? (() => performance.now());
  const names = Object.keys(paths) as K[];
  const batchPasses = opts.batchPasses ?? 3;
  const batchMeanUs = {} as Record<K, number>;
  for (const name of names) {
    const run = paths[name];
    for (let pass = 0; pass < (opts.warmupPasses ?? 2); pass++) for (const t of tickets) run(t);
    let fastest = Infinity;
    for (let pass = 0; pass < batchPasses; pass++) {
      const b0 = now();
      for (const t of tickets) run(t);
      fastest = Math.min(fastest, now() - b0);
    }
    batchMeanUs[name] = (fastest / tickets.length) * 1000;
  }
  const perTicket = Object.fromEntries(names.map((n) => [n, { us: [] as number[], calls: [] as number[] }])) as Record<K, { us: number[]; calls: number[] }>;
  for (let round = 0; round < (opts.rounds ?? 2); round++) {
    tickets.forEach((t, i) => {
      for (const name of names) {
        const run = paths[name];
        const r = perCallUs(() => run(t), opts.minMs, opts.tickMs, now);
        const best = perTicket[name].us[i];
        if (best === undefined || r.us < best) {
          perTicket[name].us[i] = r.us;
          perTicket[name].calls[i] = r.calls;
        }
      }
    });
  }
  return Object.fromEntries(
    names.map((name) => {
      const calls = [...perTicket[name].calls].sort((a, b) => a - b);
      const result: PathResult = { ...distribution(perTicket[name].us), batchMeanUs: round(batchMeanUs[name]), tickets: tickets.length, medianCalls: quantile(calls, 0.5) };
      return [name, result];
    }),
  ) as Record<K, PathResult>;
}

/** `reps` fresh loads, one clock reading each, plus their mean from a single total. */
export function timeLoads(load: () => unknown, reps: number, now: Now = () => performance.now()): LoadResult {
  const each: number[] = [];
  const start = now();
  for (let i = 0; i < reps; i++) {
    const s = now();
    load();
    each.push(now() - s);
  }
  const total = now() - start;
  each.sort((a, b) => a - b);
  return { reps, meanMs: round(total / reps, 2), medianMs: round(quantile(each, 0.5), 2), minMs: round(each[0]!, 2) };
}

/** Predicted categories per class: both runtimes must agree, or they ran different models. */
export function categoryCounts(categories: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of categories) counts[c] = (counts[c] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
