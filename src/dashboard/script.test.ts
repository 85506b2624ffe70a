import { describe, expect, it } from "vitest";
import { DASHBOARD_JS } from "./script.ts";

// The served script itself, loaded as the module a browser gets (its DOM part stays idle in
// Node: no document), so these test the code the dashboard runs, not a copy of it.
interface Ticket { ticket_id: string; urgency_level: number; queued_at: string }
interface Script {
  formatAge(ms: number): string;
  pendingMatrix(byCategory: unknown, review?: unknown): {
    levels: string[];
    rows: { category: string; cells: number[]; review: number; total: number }[];
    totals: number[];
    review: number;
    total: number;
  };
  routingText(ticket: unknown): string;
  correctionRequest(category: string, lease: { id: string } | undefined): unknown;
  oldestWaiting(entries: { ticket: Ticket }[], levels: string[], ended: boolean): { ticket: Ticket | null; exact: boolean };
  niceCeiling(v: number): number;
  chartGeometry(
    minutes: { start: string; arrivals: number; completions: number }[],
    size: { width: number; height: number; left: number; right: number; top: number; bottom: number },
  ): { max: number; bars: { x: number; y: number; width: number; height: number; arrivals: number }[]; line: [number, number][]; baseline: number };
  isActivity(data: unknown): boolean;
}
const script = (await import(`data:text/javascript;base64,${Buffer.from(DASHBOARD_JS).toString("base64")}`)) as Script;

const ticket = (id: string, urgency_level: number, queued_at: string) => ({ ticket: { ticket_id: id, urgency_level, queued_at } });

describe("dashboard script", () => {
  it("formats waiting ages", () => {
    expect(script.formatAge(0)).toBe("0 s");
    expect(script.formatAge(59_999)).toBe("59 s");
    expect(script.formatAge(61_000)).toBe("1 min 1 s");
    expect(script.formatAge(3 * 3_600_000 + 5 * 60_000)).toBe("3 h 5 min");
    expect(script.formatAge(50 * 3_600_000)).toBe("2 d 2 h");
    expect(script.formatAge(Number.NaN)).toBe("–");
  });

  it("renders whatever categories status reports, with both urgency columns and totals", () => {
    const m = script.pendingMatrix({
      Shipping: { pending: 3, by_urgency: { "1": 1, "5": 2 } },
      Returns: { pending: 4, by_urgency: { "5": 4 } },
    });
    expect(m.levels).toEqual(["1", "5"]);
    expect(m.rows).toEqual([
      { category: "Shipping", cells: [1, 2], review: 0, total: 3 },
      { category: "Returns", cells: [0, 4], review: 0, total: 4 },
    ]);
    expect(m.totals).toEqual([1, 6]);
    expect(m.total).toBe(7);
  });

  it("adds each category's review lane to its row: urgency columns are the auto lane, the total is both", () => {
    const m = script.pendingMatrix(
      { Shipping: { pending: 3, by_urgency: { "1": 1, "5": 2 } }, Returns: { pending: 0, by_urgency: {} } },
      { Shipping: { pending: 2, by_urgency: { "5": 2 } }, Returns: { pending: 1, by_urgency: { "1": 1 } } },
    );
    expect(m.rows).toEqual([
      { category: "Shipping", cells: [1, 2], review: 2, total: 5 },
      { category: "Returns", cells: [0, 0], review: 1, total: 1 },
    ]);
    expect(m.totals).toEqual([1, 2]);
    expect(m.review).toBe(3);
    expect(m.total).toBe(6);
  });

  it("says a ticket's routing briefly and sends the lease id only with a claim the page holds", () => {
    expect(script.routingText({ routing: "review", reason: { decided_by: "rule", rules: ["x"], detail: "d" } })).toBe("review · rule");
    expect(script.routingText({ routing: "auto", reason: { decided_by: "agent", rules: [], detail: "d" } })).toBe("auto · agent");
    expect(script.routingText({})).toBe("auto");
    expect(script.correctionRequest("Returns", undefined)).toEqual({ category: "Returns" });
    expect(script.correctionRequest("Returns", { id: "lease-1" })).toEqual({ category: "Returns", lease_id: "lease-1" });
  });

  it("finds the oldest waiting ticket from each urgency level's first ticket in queue order", () => {
    const urgentNew = ticket("a", 1, "2026-01-01T10:05:00.000Z");
    const urgentNewer = ticket("b", 1, "2026-01-01T10:06:00.000Z");
    const normalOld = ticket("c", 5, "2026-01-01T10:00:00.000Z");
    expect(script.oldestWaiting([urgentNew, urgentNewer, normalOld], ["1", "5"], false)).toEqual({ ticket: normalOld.ticket, exact: true });
    // Normal tickets wait but none is on these pages yet: the best known is a lower bound.
    expect(script.oldestWaiting([urgentNew, urgentNewer], ["1", "5"], false)).toEqual({ ticket: urgentNew.ticket, exact: false });
    expect(script.oldestWaiting([urgentNew, urgentNewer], ["1"], false)).toEqual({ ticket: urgentNew.ticket, exact: true });
    expect(script.oldestWaiting([], [], true)).toEqual({ ticket: null, exact: true });
  });

  it("scales the chart to a round maximum: bars for arrivals, a line for completions", () => {
    expect([0, 1, 3, 7, 10, 11, 240].map(script.niceCeiling)).toEqual([1, 1, 5, 10, 10, 20, 500]);
    const minutes = Array.from({ length: 60 }, (_, i) => ({
      start: new Date(Date.UTC(2026, 0, 1, 10, i)).toISOString(),
      arrivals: i === 59 ? 8 : i % 2,
      completions: i === 30 ? 3 : 0,
    }));
    const size = { width: 640, height: 200, left: 40, right: 0, top: 0, bottom: 40 };
    const g = script.chartGeometry(minutes, size);
    expect(g.max).toBe(10);
    expect(g.bars).toHaveLength(60);
    expect(g.line).toHaveLength(60);
    expect(g.baseline).toBe(160);
    // 600 px for 60 minutes: 10 px per minute, bars 7 px wide, in minute order.
    expect(g.bars[0]).toMatchObject({ x: 41.5, width: 7, height: 0, y: 160 });
    expect(g.bars[59]).toMatchObject({ x: 631.5, arrivals: 8, y: 32, height: 128 });
    expect(g.bars[1]!.height).toBeCloseTo(16);
    expect(g.line[30]).toEqual([345, 112]);
    expect(g.line[0]).toEqual([45, 160]);
  });

  it("accepts only the activity contract's shape", () => {
    expect(script.isActivity({ window_minutes: 60, minutes: [{ start: "2026-01-01T10:00:00.000Z", arrivals: 1, completions: 0 }] })).toBe(true);
    expect(script.isActivity({ detail: "No ticket activity." })).toBe(false);
    expect(script.isActivity({ minutes: [{ start: "x", arrivals: "1", completions: 0 }] })).toBe(false);
    expect(script.isActivity(null)).toBe(false);
  });
});
