/**
 * The arithmetic of bench:v1 (bench/v1.ts; bench:v2 takes its percentile too), kept apart from the servers and the HTTP so it is
 * tested directly (bench/v1-stats.test.ts): percentiles, medians over repeats, the tenants'
 * API_TOKENS, which token each request carries, and the order the passes run in.
 */

/** Nearest-rank percentile: always a value that was actually observed; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in 0..100, got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The median (mean of the middle two for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One timed pass: how many requests, over how long, and each one's latency. */
export interface PassFigures {
  requests: number;
  wallMs: number;
  latenciesMs: readonly number[];
}

export interface PassSummary {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export function summarizePass({ requests, wallMs, latenciesMs }: PassFigures): PassSummary {
  if (requests !== latenciesMs.length) throw new Error(`${requests} requests but ${latenciesMs.length} latencies`);
  return { perSecond: wallMs > 0 ? (requests * 1000) / wallMs : Number.NaN, p50Ms: percentile(latenciesMs, 50), p99Ms: percentile(latenciesMs, 99) };
}

/** Medians of each figure over repeated passes of one (mode, tenants) cell. */
export function medianOfPasses(passes: readonly PassSummary[]): PassSummary {
  return {
    perSecond: median(passes.map((p) => p.perSecond)),
    p50Ms: median(passes.map((p) => p.p50Ms)),
    p99Ms: median(passes.map((p) => p.p99Ms)),
  };
}

/**
 * API_TOKENS for `count` tenants (bench-t0, bench-t1, …), one token each, in the format
 * src/http/tenant.ts validates; the tokens in tenant order. Fresh random tokens per run: they
 * only ever reach the bench's own throwaway servers.
 */
export function tenantTokens(count: number, random: () => string = () => crypto.randomUUID()): { apiTokens: string; tokens: string[] } {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`tenant count must be a positive integer, got ${count}`);
  const tokens = Array.from({ length: count }, (_, i) => `bench-t${i}-${random()}`);
  const grants = Object.fromEntries(tokens.map((token, i) => [token, { tenant: `bench-t${i}`, agent: "bench" }]));
  return { apiTokens: JSON.stringify(grants), tokens };
}

/** The token of request `i` when a pass spreads over the first `tenants` tokens: round-robin. */
export function tokenFor(i: number, tenants: number, tokens: readonly string[]): string {
  if (tenants < 1 || tenants > tokens.length) throw new RangeError(`${tenants} tenants but ${tokens.length} tokens`);
  return tokens[i % tenants]!;
}

/**
 * The modes of repeat `r`, rotated by one each repeat, so no mode always runs first (on a warm
 * or a cold machine) and noise that lasts a while lands on every mode.
 */
export function modeOrder<T>(modes: readonly T[], repeat: number): T[] {
  if (modes.length === 0) return [];
  const shift = repeat % modes.length;
  return [...modes.slice(shift), ...modes.slice(0, shift)];
}

/** "1,4" → [1, 4]: positive integers, no duplicates. */
export function parseCounts(raw: string, name: string): number[] {
  const counts = raw.split(",").map((s) => Number(s.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`${name} must be positive integers separated by commas, got "${raw}"`);
  if (new Set(counts).size !== counts.length) throw new Error(`${name} lists a value twice: "${raw}"`);
  return counts;
}

/** A flag that must be a positive integer ("8" → 8); anything else names the flag. */
export function positiveInt(raw: string | undefined, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}
