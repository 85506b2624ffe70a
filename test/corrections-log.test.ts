import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { correctionCursor, correctionLogFor, type CorrectionLog, type NewCorrection } from "../src/corrections/correction-log.ts";

const entry = (ticket: string, category: NewCorrection["category"], over: Partial<NewCorrection> = {}): NewCorrection => ({
  ticket_id: ticket,
  api: "v1",
  previous_category: "Technical",
  category,
  agent: "alice",
  state: "queued",
  subject: `subject of ${ticket}`,
  body: `body of ${ticket}`,
  ...over,
});

describe("CorrectionLog", () => {
  it("keeps every correction, pages oldest first, and a new stub reads what an old one wrote", async () => {
    const tenant = `log-${crypto.randomUUID()}`;
    const log = correctionLogFor(env, tenant);
    const written = [];
    for (let i = 0; i < 5; i++) written.push(await log.record(entry(`t-${i}`, i % 2 ? "Legal" : "Billing")));
    expect(new Set(written.map((c) => c.correction_id)).size).toBe(5);
    expect(written.every((c) => c.moved === false)).toBe(true);

    const again = correctionLogFor(env, tenant);
    const first = await again.list(2);
    expect(first.corrections.map((c) => c.ticket_id)).toEqual(["t-0", "t-1"]);
    expect(first.next_cursor).not.toBeNull();
    const second = await again.list(2, correctionCursor(first.next_cursor!)!);
    expect(second.corrections.map((c) => c.ticket_id)).toEqual(["t-2", "t-3"]);
    const last = await again.list(2, correctionCursor(second.next_cursor!)!);
    expect(last.corrections.map((c) => c.ticket_id)).toEqual(["t-4"]);
    expect(last.next_cursor).toBeNull();
    expect(await again.count()).toBe(5);
  });

  it("marks a correction moved, and latestFor returns the newest one of a ticket", async () => {
    const log = correctionLogFor(env, `log-${crypto.randomUUID()}`);
    const a = await log.record(entry("t-1", "Legal"));
    await log.record(entry("t-2", "Billing"));
    const b = await log.record(entry("t-1", "Billing", { previous_category: "Legal" }));
    expect(await log.markMoved(b.correction_id)).toBe(true);
    expect(await log.markMoved("no-such-id")).toBe(false);
    const latest = await log.latestFor("t-1");
    expect(latest).toMatchObject({ correction_id: b.correction_id, category: "Billing", previous_category: "Legal", moved: true });
    const all = (await log.list(10)).corrections;
    expect(all.find((c) => c.correction_id === a.correction_id)?.moved).toBe(false);
    expect(await log.latestFor("t-unknown")).toBeNull();
  });

  it("stamps corrected_at from its clock and refuses a page size the route would refuse", async () => {
    const stub = correctionLogFor(env, `log-${crypto.randomUUID()}`);
    await runInDurableObject(stub, (log: CorrectionLog) => {
      log.clock = () => Date.parse("2031-05-06T07:08:09.000Z");
      expect(log.record(entry("t-9", "Legal")).corrected_at).toBe("2031-05-06T07:08:09.000Z");
      expect(() => log.list(0)).toThrow(TypeError);
      expect(() => log.list(501)).toThrow(TypeError);
    });
  });

  it("keeps tenants apart", async () => {
    const a = correctionLogFor(env, `log-${crypto.randomUUID()}`);
    const b = correctionLogFor(env, `log-${crypto.randomUUID()}`);
    await a.record(entry("t-1", "Legal"));
    expect(await b.count()).toBe(0);
    expect((await b.list(10)).corrections).toEqual([]);
  });
});

describe("correctionCursor", () => {
  it("reads only cursors the log issues", () => {
    expect(correctionCursor(undefined)).toBe(0);
    expect(correctionCursor("c42")).toBe(42);
    expect(correctionCursor("42")).toBeNull();
    expect(correctionCursor("c-1")).toBeNull();
    expect(correctionCursor("c1e3")).toBeNull();
  });
});
