import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { webhookConfig, type WebhookConfig } from "./config.ts";
import { buildPayload, type UrgentTicket } from "./payload.ts";
import { BACKOFF_BASE_MS, RETRY_AFTER_CAP_MS } from "./retry.ts";
import { sendWebhook, type SendDeps } from "./send.ts";

/** What the receiver does with the next request; unscripted requests get 200 "ok". */
type Reply = "ok" | "no-content" | "error" | "bad-request" | "redirect" | "hang" | { rateLimited: string };

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const SECRET = "whsec_test";
const TOKEN_PATH = "/hook/T0KEN-IN-PATH";
// Non-ASCII on purpose: the signature must cover bytes, not a re-encoded string.
const TICKET: UrgentTicket = {
  ticket_id: "7f3c",
  category: "Billing",
  urgency_score: 0.93,
  subject: "Zahlung doppelt abgebucht – Käse 🔥",
  confidence: 0.88,
  model_used: "m2",
};
const NOW = Date.parse("2026-03-01T12:00:00Z");

let server: Server;
let base: string;
const script: Reply[] = [];
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
      const reply = script.shift() ?? "ok";
      // One connection per request: afterEach kills sockets, and a pooled dead one would
      // fail the next test's first attempt.
      res.setHeader("connection", "close");
      if (reply === "hang") return; // never answers; the client's timeout must fire
      if (reply === "ok") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      if (reply === "no-content") return void res.writeHead(204).end();
      if (reply === "error") return void res.writeHead(500).end("upstream exploded");
      if (reply === "bad-request") return void res.writeHead(400).end("invalid_payload");
      if (reply === "redirect") return void res.writeHead(302, { location: "/elsewhere" }).end();
      res.writeHead(429, { "retry-after": reply.rateLimited }).end("slow down");
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

beforeEach(() => {
  script.length = 0;
  received.length = 0;
});

// Hung requests keep their sockets; drop them so the next test starts clean.
afterEach(() => server.closeAllConnections());

/** Deps that record instead of waiting, so retries cost no wall time. */
function recorder(extra: SendDeps = {}) {
  const sleeps: number[] = [];
  const logs: Record<string, unknown>[] = [];
  const deps: SendDeps = {
    sleep: async (ms) => void sleeps.push(ms),
    now: () => NOW,
    log: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
    ...extra,
  };
  return { deps, sleeps, logs };
}

function config(env: Parameters<typeof webhookConfig>[0] = {}, overrides: Partial<WebhookConfig> = {}): WebhookConfig {
  return { ...webhookConfig({ WEBHOOK_URL: `${base}${TOKEN_PATH}`, ...env }), ...overrides };
}

function expectedSignature(timestamp: string, body: Buffer): string {
  return "sha256=" + createHmac("sha256", SECRET).update(`${timestamp}.`).update(body).digest("hex");
}

describe("sendWebhook against a live receiver", () => {
  it.each(["generic", "slack", "discord"] as const)("delivers a signed %s body once", async (format) => {
    script.push(format === "discord" ? "no-content" : "ok");
    const { deps, sleeps } = recorder();
    const outcome = await sendWebhook(config({ WEBHOOK_FORMAT: format, WEBHOOK_SECRET: SECRET }), TICKET, deps);

    expect(outcome).toEqual({ status: "sent", attempts: 1, httpStatus: format === "discord" ? 204 : 200 });
    expect(sleeps).toEqual([]);
    expect(received).toHaveLength(1);
    const [request] = received as [Received];
    expect(request.method).toBe("POST");
    expect(request.url).toBe(TOKEN_PATH);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request.body.toString("utf8"))).toEqual(buildPayload(format, TICKET));

    const timestamp = String(NOW / 1000);
    expect(request.headers["x-timestamp"]).toBe(timestamp);
    const signature = String(request.headers["x-signature"]);
    const expected = expectedSignature(timestamp, request.body);
    expect(timingSafeEqual(Buffer.from(signature), Buffer.from(expected))).toBe(true);
  });

  it("sends no signature headers without a secret", async () => {
    const outcome = await sendWebhook(config(), TICKET, recorder().deps);
    expect(outcome.status).toBe("sent");
    expect(received[0]?.headers["x-signature"]).toBeUndefined();
    expect(received[0]?.headers["x-timestamp"]).toBeUndefined();
  });

  it("retries a 5xx and succeeds on the second attempt with identical bytes", async () => {
    script.push("error", "ok");
    const { deps, sleeps, logs } = recorder();
    const outcome = await sendWebhook(config({ WEBHOOK_SECRET: SECRET }), TICKET, deps);

    expect(outcome).toEqual({ status: "sent", attempts: 2, httpStatus: 200 });
    expect(received).toHaveLength(2);
    expect(received[1]?.body.equals(received[0]!.body)).toBe(true);
    expect(sleeps).toHaveLength(1);
    expect(logs).toEqual([
      expect.objectContaining({ level: "warn", msg: "webhook retry", ticket_id: "7f3c", attempt: 1, error: "HTTP 500: upstream exploded" }),
    ]);
  });

  it("honours Retry-After seconds on 429", async () => {
    script.push({ rateLimited: "2" }, "ok");
    const { deps, sleeps } = recorder();
    const outcome = await sendWebhook(config(), TICKET, deps);
    expect(outcome).toEqual({ status: "sent", attempts: 2, httpStatus: 200 });
    expect(sleeps).toEqual([2000]);
  });

  it("caps a huge Retry-After instead of parking the consumer", async () => {
    script.push({ rateLimited: "3600" }, "ok");
    const { deps, sleeps } = recorder();
    await sendWebhook(config(), TICKET, deps);
    expect(sleeps).toEqual([RETRY_AFTER_CAP_MS]);
  });

  it("gives up at once on a 400 and reports the receiver's reason", async () => {
    script.push("bad-request");
    const { deps, sleeps } = recorder();
    const outcome = await sendWebhook(config(), TICKET, deps);
    expect(outcome).toEqual({ status: "failed", attempts: 1, httpStatus: 400, error: "HTTP 400: invalid_payload" });
    expect(received).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("does not follow a redirect with the signed body", async () => {
    script.push("redirect");
    const outcome = await sendWebhook(config({ WEBHOOK_SECRET: SECRET }), TICKET, recorder().deps);
    expect(outcome).toMatchObject({ status: "failed", attempts: 1, httpStatus: 302 });
    expect(received.map((r) => r.url)).toEqual([TOKEN_PATH]);
  });

  it("stops after maxAttempts of 5xx", async () => {
    script.push("error", "error", "error", "ok");
    const { deps, sleeps } = recorder();
    const outcome = await sendWebhook(config(), TICKET, deps);
    expect(outcome).toEqual({ status: "failed", attempts: 3, httpStatus: 500, error: "HTTP 500: upstream exploded" });
    expect(received).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it("times out a hung receiver on every attempt", async () => {
    script.push("hang", "hang");
    const { deps } = recorder();
    // The receiver never answers, so only the per-attempt deadline can end each attempt: the
    // outcome naming it proves it fired, without timing anything.
    const outcome = await sendWebhook(config({}, { timeoutMs: 100, maxAttempts: 2 }), TICKET, deps);
    expect(outcome).toEqual({ status: "failed", attempts: 2, error: "timed out after 100 ms" });
    expect(received).toHaveLength(2);
  });

  it("reports connection refused after all attempts, without leaking the URL", async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, "127.0.0.1", ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((ok) => closed.close(ok));

    const { deps, sleeps, logs } = recorder();
    const cfg = webhookConfig({ WEBHOOK_URL: `http://127.0.0.1:${port}${TOKEN_PATH}` });
    const outcome = await sendWebhook(cfg, TICKET, deps);

    expect(outcome).toMatchObject({ status: "failed", attempts: 3 });
    expect(outcome.status === "failed" && outcome.error).toMatch(/^network error: .*ECONNREFUSED/);
    expect(outcome).not.toHaveProperty("httpStatus");
    expect(sleeps).toHaveLength(2);
    expect(JSON.stringify(logs)).not.toContain("T0KEN");
  });

  it("mock mode logs the payload as one JSON line and sends nothing", async () => {
    let fetched = 0;
    const { deps, logs } = recorder({ fetch: async () => (fetched++, new Response("ok")) });
    const outcome = await sendWebhook(webhookConfig({ WEBHOOK_FORMAT: "slack" }), TICKET, deps);

    expect(outcome).toEqual({ status: "mock" });
    expect(fetched).toBe(0);
    expect(received).toHaveLength(0);
    expect(logs).toEqual([
      { level: "info", msg: "webhook mock: not sent", ticket_id: "7f3c", format: "slack", payload: buildPayload("slack", TICKET) },
    ]);
  });

  it("backoff delays grow between retries", async () => {
    script.push("error", "error", "error", "ok");
    const { deps, sleeps } = recorder();
    const outcome = await sendWebhook(config({}, { maxAttempts: 4 }), TICKET, deps);

    expect(outcome).toMatchObject({ status: "sent", attempts: 4 });
    expect(sleeps).toHaveLength(3);
    sleeps.forEach((ms, i) => {
      const step = BACKOFF_BASE_MS * 2 ** i;
      expect(ms).toBeGreaterThanOrEqual(step / 2);
      expect(ms).toBeLessThan(step);
    });
    expect(sleeps[1]!).toBeGreaterThan(sleeps[0]!);
    expect(sleeps[2]!).toBeGreaterThan(sleeps[1]!);
  });

  it("the default sleep really waits the logged backoff", async () => {
    script.push("error", "ok");
    const logs: { delay_ms?: number }[] = [];
    const started = Date.now();
    const outcome = await sendWebhook(config(), TICKET, { log: (line) => logs.push(JSON.parse(line)) });
    const elapsed = Date.now() - started;

    expect(outcome).toMatchObject({ status: "sent", attempts: 2 });
    const delay = logs[0]?.delay_ms ?? Number.NaN;
    expect(delay).toBeGreaterThanOrEqual(BACKOFF_BASE_MS / 2);
    expect(elapsed).toBeGreaterThanOrEqual(delay - 5);
  });
});

describe("sendWebhook never throws", () => {
  it("turns a throwing fetch into retries and a failed outcome", async () => {
    const { deps } = recorder({
      fetch: () => {
        throw new TypeError("boom");
      },
    });
    const outcome = await sendWebhook(config(), TICKET, deps);
    expect(outcome).toEqual({ status: "failed", attempts: 3, error: "network error: boom" });
  });

  it("reports an unserialisable ticket as not attempted", async () => {
    const { deps } = recorder();
    const ticket = { ...TICKET, urgency_score: 10n as unknown as number };
    const outcome = await sendWebhook(config(), ticket, deps);
    expect(outcome).toMatchObject({ status: "failed", attempts: 0 });
    expect(received).toHaveLength(0);
  });

  it("still reports success when the logger throws", async () => {
    script.push("error", "ok");
    const deps: SendDeps = {
      sleep: async () => {},
      log: () => {
        throw new Error("log sink down");
      },
    };
    expect(await sendWebhook(config(), TICKET, deps)).toEqual({ status: "sent", attempts: 2, httpStatus: 200 });
  });
});
