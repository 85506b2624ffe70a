/**
 * What a local `wrangler dev` will see of the settings in .dev.vars / .env, and what it would
 * wrongly leave out of the API Worker.
 *
 * wrangler.jsonc declares `secrets.required: ["API_TOKEN"]` so that no deploy goes out without
 * the token. A side effect of declaring `secrets` is that `wrangler dev` then loads only the
 * required keys (and keys that are also `vars`) from .dev.vars / .env, so the optional settings
 * this project documents there (.dev.vars.example: Upstash, webhooks) would silently stop
 * reaching the local Worker. wrangler has no "optional secrets" list yet, so the local dev
 * launchers (npm run dev → dev/dev.ts, and dev/dev-server.ts) pass exactly those optional
 * secrets on as `--var NAME:value`, which wrangler does not filter and shows as "(hidden)".
 * Both sets are computed with wrangler's own loader, so the dotenv rules are wrangler's.
 *
 * Only the API Worker needs this. With two `-c` configs, `wrangler dev` applies `--var` to the
 * first (the API Worker) only, and the consumer Worker (wrangler.consumer.jsonc) declares no
 * `secrets`, so wrangler loads every key of .dev.vars / .env for it: its UPSTASH_*, WEBHOOK_* and
 * V2_RETENTION_SECONDS arrive without help.
 */
import { unstable_getVarsForDev } from "wrangler";
import { readWranglerConfig, WRANGLER_CONFIG_PATH } from "./wrangler-config.ts";

/**
 * Settings the API Worker reads when present (Upstash, the /v2 lifetime settings, tenants, CORS, rate limit, review thresholds; src/env.ts
 * lists them in its ApiEnv); never required, so never in wrangler.jsonc, and so dropped by wrangler
 * dev once secrets.required exists. The webhook settings are the consumer Worker's.
 * dev/dev-vars.test.ts checks this list against ApiEnv.
 */
export const OPTIONAL_SECRETS = [
  "UPSTASH_REDIS_REST_URL",
  "UPSTASH_REDIS_REST_TOKEN",
  "V2_RETENTION_SECONDS",
  "V2_SWEEP_AFTER_SECONDS",
  "API_TOKENS",
  "CORS_ORIGINS",
  "RATE_LIMIT",
  "REVIEW_THRESHOLDS",
] as const;

export interface LocalDevSettings {
  /** Whether the local Worker gets an API_TOKEN (then /v1 and /v2 want a bearer token). */
  apiToken: boolean;
  /** Optional secrets from .dev.vars / .env that wrangler would drop from the API Worker, to pass as --var. */
  forwarded: Record<string, string>;
  /** `--var NAME:value` arguments for `forwarded`. */
  varArgs: string[];
}

export interface LocalDevOptions {
  configPath?: string;
  /** The arguments the user gives `wrangler dev`: their --var and --env-file take precedence. */
  args?: string[];
}

export function localDevSettings(options: LocalDevOptions = {}): LocalDevSettings {
  const configPath = options.configPath ?? WRANGLER_CONFIG_PATH;
  const args = options.args ?? [];
  const config = readWranglerConfig(configPath);
  const envFiles = flagValues(args, "--env-file");
  const files = envFiles.length ? envFiles : undefined;
  const vars = config.vars ?? {};
  // What wrangler dev loads (secrets declared: only required keys, plus process.env for them) …
  const loaded = unstable_getVarsForDev(configPath, files, vars, undefined, true, config.secrets);
  // … and what the files hold, read as wrangler read them before `secrets` existed.
  const everything = unstable_getVarsForDev(configPath, files, vars, undefined, true, undefined);
  const cliVars = new Set(flagValues(args, "--var").map((v) => v.slice(0, v.indexOf(":"))));

  const forwarded: Record<string, string> = {};
  for (const name of OPTIONAL_SECRETS) {
    const binding = everything[name];
    if (name in loaded || cliVars.has(name) || !binding || !("value" in binding) || typeof binding.value !== "string") continue;
    forwarded[name] = binding.value;
  }
  return {
    apiToken: "API_TOKEN" in loaded || cliVars.has("API_TOKEN"),
    forwarded,
    varArgs: Object.entries(forwarded).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  };
}

/** The line `npm run dev` starts with, so nobody mistakes an open local API for a protected one. */
export function authNotice(settings: Pick<LocalDevSettings, "apiToken">): string {
  return settings.apiToken
    ? "API_TOKEN is set: /v1 and /v2 require `Authorization: Bearer <API_TOKEN>`."
    : "API_TOKEN is not set (.dev.vars, .env, environment or --var): /v1 and /v2 are OPEN, no bearer token needed. " +
        "Local dev only: deploys refuse to go out without the API_TOKEN secret (wrangler.jsonc secrets.required).";
}

/** Values of `--flag value` and `--flag=value`, in order. */
function flagValues(args: string[], flag: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === flag && i + 1 < args.length) values.push(args[++i]!);
    else if (arg.startsWith(`${flag}=`)) values.push(arg.slice(flag.length + 1));
  }
  return values;
}
