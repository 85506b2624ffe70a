// Dependencies that are down in the one way only a deadline can handle: they accept the
// connection and never answer (the hung server of test/global-setup.ts). Tests assert that the
// code's own deadline ended the wait, never how many milliseconds it took.
import { inject } from "vitest";

export interface HungEndpoint {
  /** A unique base URL on the hung server. */
  url: string;
  /** Upstash settings that select the Upstash store and point it at this endpoint. */
  upstashEnv: { UPSTASH_REDIS_REST_URL: string; UPSTASH_REDIS_REST_TOKEN: string };
  /** How many requests reached this endpoint (and were left hanging). */
  requests(): Promise<number>;
}

export function hungEndpoint(): HungEndpoint {
  const root = inject("hungServer");
  const path = `/hung/${crypto.randomUUID()}`;
  const url = `${root}${path}`;
  return {
    url,
    upstashEnv: { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: "t" },
    async requests() {
      const all = (await (await fetch(`${root}/__requests`)).json()) as string[];
      return all.filter((p) => p === path || p.startsWith(`${path}/`)).length;
    },
  };
}

/**
 * What a store call reports when its deadline of `ms` ended it: settleWithin's message
 * (src/util/deadline.ts), or, for the Upstash store, the per-request AbortSignal.timeout set to
 * the same budget, whichever of the two equal timers the runtime fires first.
 */
export function deadlineFired(ms: number): RegExp {
  return new RegExp(`timed out after ${ms} ms|The operation was aborted due to timeout`);
}
