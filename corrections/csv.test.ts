import { describe, expect, it } from "vitest";
import { parseCsv } from "../dataset/csv.ts";
import type { Correction } from "../src/schemas/corrections.ts";
import { CORRECTION_COLUMNS, correctionsCsv } from "./csv.ts";
import { fetchAllCorrections } from "./export.ts";

const correction = (n: number, over: Partial<Correction> = {}): Correction => ({
  correction_id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
  ticket_id: `t-${n}`,
  api: "v1",
  previous_category: "Technical",
  category: "Legal",
  agent: "alice",
  corrected_at: "2026-12-01T10:00:00.000Z",
  state: "queued",
  moved: true,
  subject: `subject ${n}`,
  body: `body ${n}`,
  ...over,
});

describe("correctionsCsv", () => {
  it("writes the training columns and survives quotes, commas and line breaks", () => {
    const tricky = correction(1, { subject: 'Invoice "42", again', body: "line one\r\nline two, with comma", agent: null, previous_category: null });
    const rows = parseCsv(correctionsCsv([tricky, correction(2)]));
    expect(rows[0]).toEqual([...CORRECTION_COLUMNS]);
    expect(rows[1]).toEqual(["t-1", 'Invoice "42", again', "line one\r\nline two, with comma", "Legal", "", "", "2026-12-01T10:00:00.000Z"]);
    expect(rows[2]).toEqual(["t-2", "subject 2", "body 2", "Legal", "Technical", "alice", "2026-12-01T10:00:00.000Z"]);
    expect(rows).toHaveLength(3);
  });
});

describe("fetchAllCorrections", () => {
  it("follows next_cursor through every page, sending the token", async () => {
    const pages: Record<string, { corrections: Correction[]; next_cursor: string | null }> = {
      "": { corrections: [correction(1), correction(2)], next_cursor: "c2" },
      c2: { corrections: [correction(3)], next_cursor: null },
    };
    const seen: string[] = [];
    const fake = (async (input: URL | RequestInfo, init?: RequestInit) => {
      const url = new URL(String(input));
      seen.push(`${url.searchParams.get("cursor") ?? ""}|${new Headers(init?.headers).get("authorization")}`);
      return Response.json(pages[url.searchParams.get("cursor") ?? ""]);
    }) as typeof fetch;
    const all = await fetchAllCorrections("http://edge.test", "secret-token", fake);
    expect(all.map((c) => c.ticket_id)).toEqual(["t-1", "t-2", "t-3"]);
    expect(seen).toEqual(["|Bearer secret-token", "c2|Bearer secret-token"]);
  });

  it("fails on an error answer instead of returning a partial export", async () => {
    let calls = 0;
    const fake = (async () => {
      calls += 1;
      return calls === 1 ? Response.json({ corrections: [correction(1)], next_cursor: "c1" }) : Response.json({ detail: "Invalid bearer token" }, { status: 401 });
    }) as typeof fetch;
    await expect(fetchAllCorrections("http://edge.test", undefined, fake)).rejects.toThrow(/answered 401: .*Invalid bearer token/);
  });
});
