import type { Env } from "../env.ts";
import { DEFAULT_RETENTION_MS } from "./types.ts";

/**
 * The /v2 lifetime settings, parsed in one place. A bad value must not take /v2 down
 * (every request would fail on it), so it falls back to the default and the problem is
 * reported in `errors`, which /health shows as degraded, like a misconfigured webhook.
 */

/**
 * A pending ticket is re-sent when its delivery clock is this old: no acceptance,
 * consumer attempt or re-send for 10 minutes. The consumer restarts the clock on every
 * attempt and its retry delays are at most 5 minutes (backoffSeconds), so a ticket
 * that is merely retrying is never stale; 10 minutes also rides out a short backlog
 * without re-sending what is only waiting its turn.
 */
export const DEFAULT_STALE_AFTER_MS = 600_000;

type SettingsEnv = Pick<Env, "V2_RETENTION_SECONDS" | "V2_SWEEP_AFTER_SECONDS">;

export interface V2Settings {
  retentionMs: number;
  staleAfterMs: number;
  errors: string[];
}

/** Whole seconds from a minute (the cron's period) to a year. */
const MIN_SECONDS = 60;
const MAX_SECONDS = 31_536_000;

export function v2Settings(env: SettingsEnv): V2Settings {
  const errors: string[] = [];
  return {
    retentionMs: seconds(env.V2_RETENTION_SECONDS, "V2_RETENTION_SECONDS", DEFAULT_RETENTION_MS, errors),
    staleAfterMs: seconds(env.V2_SWEEP_AFTER_SECONDS, "V2_SWEEP_AFTER_SECONDS", DEFAULT_STALE_AFTER_MS, errors),
    errors,
  };
}

function seconds(raw: string | undefined, name: string, defaultMs: number, errors: string[]): number {
  const text = raw?.trim() ?? "";
  if (text === "") return defaultMs;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (value >= MIN_SECONDS && value <= MAX_SECONDS) return value * 1000;
  errors.push(
    `${name} must be a whole number of seconds from ${MIN_SECONDS} to ${MAX_SECONDS}, got ${JSON.stringify(raw)}; using ${defaultMs / 1000}`,
  );
  return defaultMs;
}
