/**
 * Webhook settings, parsed once from the Worker's string env. A bad value throws at
 * start-up rather than silently dropping every urgent alert later.
 */

export const WEBHOOK_FORMATS = ["slack", "discord", "generic"] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const DEFAULT_THRESHOLD = 0.8;
export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_ATTEMPTS = 3;

export interface WebhookEnv {
  WEBHOOK_URL?: string;
  WEBHOOK_FORMAT?: string;
  WEBHOOK_SECRET?: string;
  WEBHOOK_THRESHOLD?: string;
}

export interface WebhookConfig {
  /** Normalised target; null means mock mode (the payload is logged, nothing is sent). */
  url: string | null;
  format: WebhookFormat;
  /** HMAC key for X-Signature; null sends unsigned requests. */
  secret: string | null;
  /** Notify only when urgency_score is strictly above this. */
  threshold: number;
  /** Per attempt, covering connect, response and body. */
  timeoutMs: number;
  /** Total tries including the first; not an env setting, override in code if needed. */
  maxAttempts: number;
}

export class WebhookConfigError extends Error {
  override readonly name = "WebhookConfigError";
  readonly variable: keyof WebhookEnv;

  constructor(variable: keyof WebhookEnv, problem: string) {
    super(`${variable} ${problem}`);
    this.variable = variable;
  }
}

export function webhookConfig(env: WebhookEnv): WebhookConfig {
  const url = parseUrl(env.WEBHOOK_URL);
  return {
    url: url?.href ?? null,
    format: parseFormat(env.WEBHOOK_FORMAT) ?? (url ? formatFromUrl(url) : "generic"),
    secret: env.WEBHOOK_SECRET ? env.WEBHOOK_SECRET : null,
    threshold: parseThreshold(env.WEBHOOK_THRESHOLD),
    timeoutMs: DEFAULT_TIMEOUT_MS,
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
  };
}

/**
 * For the queue consumer: a bad setting comes back as a value, not a throw, so tickets
 * are still scored and saved while no alert can be sent (and /health says why).
 */
export function webhookConfigOrError(env: WebhookEnv): WebhookConfig | WebhookConfigError {
  try {
    return webhookConfig(env);
  } catch (error) {
    if (error instanceof WebhookConfigError) return error;
    throw error;
  }
}

/** Strictly greater, so the default 0.8 does not page for a score of exactly 0.8. */
export function shouldNotify(cfg: Pick<WebhookConfig, "threshold">, score: number): boolean {
  return Number.isFinite(score) && score > cfg.threshold;
}

/** Known chat-webhook hosts get their native body; anything else gets generic JSON. */
export function formatFromUrl(url: URL): WebhookFormat {
  const host = url.hostname.toLowerCase();
  if (host === "hooks.slack.com" || host === "hooks.slack-gov.com") return "slack";
  const discordHost = /^(?:(?:ptb|canary)\.)?discord(?:app)?\.com$/.test(host);
  if (discordHost && /^\/api\/(?:v\d+\/)?webhooks\//.test(url.pathname)) return "discord";
  return "generic";
}

function parseUrl(raw: string | undefined): URL | null {
  const text = raw?.trim() ?? "";
  if (text === "") return null;
  // The value is never echoed: Slack and Discord URLs carry their secret token in the path.
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookConfigError("WEBHOOK_URL", "is not a valid URL (leave it empty for mock mode)");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new WebhookConfigError("WEBHOOK_URL", `must be an http(s) URL, not ${url.protocol}`);
  }
  return url;
}

function parseFormat(raw: string | undefined): WebhookFormat | null {
  const text = raw?.trim().toLowerCase() ?? "";
  if (text === "") return null;
  const known = WEBHOOK_FORMATS.find((f) => f === text);
  if (!known) {
    throw new WebhookConfigError("WEBHOOK_FORMAT", `must be one of ${WEBHOOK_FORMATS.join(", ")} (got "${raw}")`);
  }
  return known;
}

function parseThreshold(raw: string | undefined): number {
  const text = raw?.trim() ?? "";
  if (text === "") return DEFAULT_THRESHOLD;
  // Plain decimals only: Number() would also take "0x1", "1e-1" or "Infinity".
  const value = /^\d*\.?\d+$|^\d+\.$/.test(text) ? Number(text) : NaN;
  if (!(value >= 0 && value <= 1)) {
    throw new WebhookConfigError("WEBHOOK_THRESHOLD", `must be a number between 0 and 1 (got "${raw}")`);
  }
  return value;
}
