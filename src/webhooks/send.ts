/**
 * Delivers one urgent-ticket alert. Never throws: the ticket is already saved, and an
 * unreachable Slack must not make the consumer retry (and re-score) it. The caller
 * records the returned outcome instead.
 *
 * Logs (mock payloads, retries) are JSON lines; the final outcome is the caller's to
 * log. Neither logs nor errors contain the URL or secret: chat webhook URLs are
 * bearer credentials.
 */
import type { WebhookConfig } from "./config.ts";
import { buildPayload, type UrgentTicket } from "./payload.ts";
import { isRetryableStatus, nextDelay, parseRetryAfter } from "./retry.ts";
import { signBody } from "./sign.ts";
import { oneLine, truncate } from "./text.ts";

export type WebhookOutcome =
  | { status: "mock" }
  | { status: "sent"; attempts: number; httpStatus: number }
  | { status: "failed"; attempts: number; httpStatus?: number; error: string };

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface SendDeps {
  fetch?: FetchLike;
  sleep?: (ms: number) => Promise<void>;
  /** Epoch milliseconds; drives X-Timestamp and HTTP-date Retry-After. */
  now?: () => number;
  log?: (line: string) => void;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

/** One attempt's verdict: done, worth another try, or hopeless. */
type Attempt =
  | { kind: "sent"; httpStatus: number }
  | { kind: "retry"; httpStatus?: number; error: string; retryAfterMs: number | null }
  | { kind: "fatal"; httpStatus?: number; error: string };

const encoder = new TextEncoder();
const ERROR_BODY_MAX_CHARS = 200;

export async function sendWebhook(
  cfg: WebhookConfig,
  ticket: UrgentTicket,
  deps: SendDeps = {},
): Promise<WebhookOutcome> {
  const log = deps.log ?? ((line: string) => console.log(line));
  try {
    if (cfg.url === null) {
      const payload = buildPayload(cfg.format, ticket);
      safeLog(log, logLine("info", "webhook mock: not sent", { ticket_id: ticket.ticket_id, format: cfg.format, payload }));
      return { status: "mock" };
    }
    return await deliver(cfg, cfg.url, ticket, deps, log);
  } catch (error) {
    // Only reachable for an unserialisable ticket or a broken injected dependency.
    return { status: "failed", attempts: 0, error: `webhook not attempted: ${describe(error)}` };
  }
}

async function deliver(
  cfg: WebhookConfig,
  url: string,
  ticket: UrgentTicket,
  deps: SendDeps,
  log: (line: string) => void,
): Promise<WebhookOutcome> {
  // Serialised once: every attempt sends, and signs, exactly these bytes.
  const body = encoder.encode(JSON.stringify(buildPayload(cfg.format, ticket)));
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((ok) => setTimeout(ok, ms)));
  const now = deps.now ?? Date.now;
  const maxAttempts = Math.max(1, Math.floor(cfg.maxAttempts));

  for (let attempt = 1; ; attempt++) {
    const result = await attemptOnce(cfg, url, body, deps, now);
    if (result.kind === "sent") return { status: "sent", attempts: attempt, httpStatus: result.httpStatus };
    if (result.kind === "fatal" || attempt >= maxAttempts) {
      return {
        status: "failed",
        attempts: attempt,
        ...(result.httpStatus !== undefined && { httpStatus: result.httpStatus }),
        error: result.error,
      };
    }
    const delayMs = nextDelay(attempt, result.retryAfterMs, deps.random);
    safeLog(log, logLine("warn", "webhook retry", { ticket_id: ticket.ticket_id, attempt, error: result.error, delay_ms: delayMs }));
    await sleep(delayMs);
  }
}

async function attemptOnce(
  cfg: WebhookConfig,
  url: string,
  body: Uint8Array,
  deps: SendDeps,
  now: () => number,
): Promise<Attempt> {
  let headers: Record<string, string>;
  try {
    headers = await requestHeaders(cfg.secret, body, now());
  } catch (error) {
    return { kind: "fatal", error: `signing failed: ${describe(error)}` };
  }

  let response: Response;
  try {
    const init: RequestInit = {
      method: "POST",
      headers,
      body,
      // A redirected POST may turn into a GET or carry the signed body to another host.
      redirect: "manual",
      signal: AbortSignal.timeout(cfg.timeoutMs),
    };
    response = await (deps.fetch ? deps.fetch(url, init) : fetch(url, init));
  } catch (error) {
    return { kind: "retry", error: describeFetchError(error, cfg.timeoutMs), retryAfterMs: null };
  }

  // Always drain: unread bodies hold the connection. Bounded by the same timeout signal.
  const text = await response.text().catch(() => "");
  const status = response.status;
  if (status >= 200 && status <= 299) return { kind: "sent", httpStatus: status };

  const error = httpError(status, text);
  if (status >= 300 && status <= 399) return { kind: "fatal", httpStatus: status, error: `unexpected redirect: ${error}` };
  if (!isRetryableStatus(status)) return { kind: "fatal", httpStatus: status, error };
  return { kind: "retry", httpStatus: status, error, retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), now()) };
}

async function requestHeaders(secret: string | null, body: Uint8Array, nowMs: number): Promise<Record<string, string>> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "smart-support-edge-webhook/1",
  };
  if (secret) {
    // Fresh per attempt, so a retry after a long Retry-After still passes a receiver's freshness window.
    const timestamp = String(Math.floor(nowMs / 1000));
    headers["x-timestamp"] = timestamp;
    headers["x-signature"] = await signBody(secret, timestamp, body);
  }
  return headers;
}

function httpError(status: number, text: string): string {
  const detail = truncate(oneLine(text), ERROR_BODY_MAX_CHARS);
  return detail ? `HTTP ${status}: ${detail}` : `HTTP ${status}`;
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const name = error instanceof Error || error instanceof DOMException ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError") return `timed out after ${timeoutMs} ms`;
  const cause = error instanceof Error ? error.cause : undefined;
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined;
  const detail = code ?? (cause instanceof Error ? cause.message : undefined);
  return `network error: ${describe(error)}${detail ? ` (${detail})` : ""}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function logLine(level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown>): string {
  return JSON.stringify({ level, msg, ...fields });
}

/** A throwing logger must not turn a delivered alert into an exception. */
function safeLog(log: (line: string) => void, line: string): void {
  try {
    log(line);
  } catch {
    // Nothing better to do: logging is best effort.
  }
}
