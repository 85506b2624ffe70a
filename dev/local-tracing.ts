/**
 * wrangler dev's local observability ("local tracing"): wrangler 4.114 added it and a later 4.x
 * turned it on by default. Every local invocation then streams its spans and console output,
 * through a streaming tail, to a collector Worker that writes them to a local SQLite store for
 * the Local Explorer's Observability tab. The one switch is the environment variable
 * X_LOCAL_OBSERVABILITY, which wrangler reads (default true) and hands to Miniflare as
 * `unsafeObservability`; wrangler's changelog documents `X_LOCAL_OBSERVABILITY=false` as the
 * opt-out. wrangler accepts only "true" or "false" and refuses to start on anything else.
 *
 * bench:v1 measured it as a large share of each /v1 POST's cost through wrangler dev (figures
 * in bench/README.md), so `npm run dev` and dev/dev-server.ts turn it off unless the caller set
 * the variable: `X_LOCAL_OBSERVABILITY=true npm run dev` turns it back on.
 */
export const LOCAL_TRACING_VAR = "X_LOCAL_OBSERVABILITY";

type Env = Record<string, string | undefined>;

/** The environment for a wrangler dev child: the caller's, with local tracing off unless the caller chose. */
export function devEnvironment<E extends Env>(env: E): E {
  return env[LOCAL_TRACING_VAR] !== undefined ? { ...env } : { ...env, [LOCAL_TRACING_VAR]: "false" };
}

/** Whether wrangler dev started with `env` records local traces, read as wrangler reads it. */
export function localTracingOn(env: Env): boolean {
  const value = env[LOCAL_TRACING_VAR];
  if (value === undefined) return true;
  if (value.toLowerCase() === "true") return true;
  if (value.toLowerCase() === "false") return false;
  throw new Error(`${LOCAL_TRACING_VAR} must be "true" or "false" (wrangler refuses anything else), got ${JSON.stringify(value)}`);
}
