import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { STATE_CHANGING_GETS } from "../src/http/safe-head.ts";
import type { V1Ticket } from "../src/schemas/ticket.ts";
import type { V2Ticket } from "../src/schemas/v2.ts";
import { call, json, postJson } from "./helpers.ts";
import { drainV1, v1Status } from "./v1-queue.ts";

// RFC 9110 §9.3.2: HEAD is GET without content, and a safe method (§9.2.1): it must never
// remove the ticket that GET .../tickets/next would pop.

const TICKET = { subject: "Production outage", body: "Our dashboard is down since this morning, please help immediately." };

async function head(path: string): Promise<{ status: number; allow: string | null; type: string | null; body: string }> {
  const res = await call(path, { method: "HEAD" });
  return { status: res.status, allow: res.headers.get("Allow"), type: res.headers.get("content-type"), body: await res.text() };
}

describe("HEAD /v1/tickets/next", () => {
  beforeEach(async () => {
    await drainV1();
  });

  it("answers what GET next would (200, JSON, no body) and leaves the ticket queued", async () => {
    const pushed = await json<V1Ticket>(await postJson("/v1/tickets", TICKET));
    const before = await v1Status();
    expect(before.pending).toBe(1);

    // The encoded spelling routes to the same handler, so a rule on the raw path would miss it.
    for (const path of ["/v1/tickets/next", "/v1/tickets/next?x=1", "/v1/tickets/%6Eext"]) {
      const res = await head(path);
      expect(await v1Status(), `after HEAD ${path}`).toEqual(before);
      expect(res).toMatchObject({ status: 200, body: "" });
      expect(res.type).toMatch(/application\/json/);
    }

    const next = await call("/v1/tickets/next");
    expect(next.status).toBe(200);
    expect((await json<V1Ticket>(next)).ticket_id).toBe(pushed.ticket_id);
  });

  it("checks the bearer token before anything, and passes it on to the peek it answers as", async () => {
    await postJson("/v1/tickets", TICKET);
    const app = createApp();
    const secured = { ...env, API_TOKEN: "s3cret-token" };
    const headWith = (headers: Record<string, string>) =>
      app.fetch(new Request("http://edge.test/v1/tickets/next", { method: "HEAD", headers }), secured, createExecutionContext());

    expect((await headWith({})).status).toBe(401);
    expect((await headWith({ Authorization: "Bearer s3cret-token" })).status).toBe(200);
    expect((await v1Status()).pending).toBe(1);
  });

  it("answers 404 like GET next when the queue is empty", async () => {
    expect(await head("/v1/tickets/next")).toMatchObject({ status: 404, body: "" });
    expect((await call("/v1/tickets/next")).status).toBe(404);
  });
});

describe("HEAD /v2/tickets/next", () => {
  async function drainV2(): Promise<void> {
    for (let res = await call("/v2/tickets/next"); res.status !== 404; res = await call("/v2/tickets/next")) {
      expect(res.status).toBe(200);
      await res.body?.cancel();
    }
  }
  async function v2Processed(): Promise<number> {
    return (await json<{ processed: number }>(await call("/v2/tickets/status"))).processed;
  }

  beforeAll(drainV2);

  it("never removes the ticket GET next would pop", async () => {
    const accepted = await json<{ ticket_id: string }>(await postJson("/v2/tickets", TICKET));
    // Condition, not a time margin: the queue consumer scores the ticket when it gets to it.
    for (let i = 0; (await v2Processed()) < 1; i++) {
      expect(i).toBeLessThan(400);
      await new Promise((r) => setTimeout(r, 50));
    }

    const res = await head("/v2/tickets/next");
    expect(await v2Processed(), "processed tickets after HEAD next").toBe(1);
    expect(res.body).toBe("");
    // With a safe twin (GET /v2/tickets/peek) HEAD answers as it does; until that route
    // exists, nothing can tell what GET next would say without popping, so 405.
    const hasPeek = createApp().routes.some((r) => r.method === "GET" && r.path === "/v2/tickets/peek");
    if (hasPeek) {
      expect(res.status).toBe(200);
    } else {
      expect(res).toMatchObject({ status: 405, allow: "GET" });
    }

    const next = await call("/v2/tickets/next");
    expect(next.status).toBe(200);
    expect((await json<V2Ticket>(next)).ticket_id).toBe(accepted.ticket_id);
  }, 60_000);
});

describe("every GET route is either safe or has a safe twin for HEAD", () => {
  // Read-only handlers (SELECTs, counts, static documents). A new GET route fails this test
  // until it is added here or, if it changes state, to STATE_CHANGING_GETS.
  const SAFE_GETS = [
    "/health",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/redoc",
    "/dashboard",
    "/dashboard/app.js",
    "/dashboard/style.css",
    "/v1/tickets/peek",
    "/v1/tickets/status",
    "/v1/tickets/activity",
    "/v1/tickets",
    "/v1/tickets/:ticket_id",
    "/v2/tickets/peek",
    "/v2/tickets/status",
    "/v2/tickets",
    "/v2/tickets/:id",
    "/v1/corrections",
  ];

  it("classifies each registered GET route", () => {
    const gets = [...new Set(createApp().routes.filter((r) => r.method === "GET").map((r) => r.path))];
    const unclassified = gets.filter((p) => !SAFE_GETS.includes(p) && !(p in STATE_CHANGING_GETS));
    expect(unclassified).toEqual([]);
    expect(gets).toEqual(expect.arrayContaining(Object.keys(STATE_CHANGING_GETS)));
  });
});
