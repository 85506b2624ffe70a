import { describe, expect, it } from "vitest";
import { CONSUMER_REPORT_NOTE, createConsumerReporter, parseConsumerReport, type ConsumerState } from "./consumer-report.ts";

const ABSENT: ConsumerState = {
  m2: { state: "absent", reason: "R2 object x not found", heads_encoder_sha256: "c".repeat(64) },
  webhook: { mode: "mock", threshold: 0.8, error: null },
};
const READY: ConsumerState = { ...ABSENT, m2: { state: "ready", reason: null, heads_encoder_sha256: "c".repeat(64) } };

/** A store that records its notes and can be told to refuse. */
function noteStore() {
  const writes: string[] = [];
  let refuse = false;
  return {
    writes,
    refuse: (on: boolean) => (refuse = on),
    putNote: async (name: string, value: string) => {
      if (refuse) throw new Error("store down");
      expect(name).toBe(CONSUMER_REPORT_NOTE);
      writes.push(value);
    },
  };
}

describe("the consumer's report", () => {
  it("is written when the state changes, with the time of the change, and not again while it stays", async () => {
    let t = Date.parse("2026-12-01T10:00:00Z");
    const report = createConsumerReporter(() => new Date(t));
    const store = noteStore();
    await report(store, ABSENT);
    t += 60_000;
    await report(store, ABSENT);
    await report(store, structuredClone(ABSENT));
    expect(store.writes).toHaveLength(1);
    t += 60_000;
    await report(store, READY);
    expect(store.writes.map((w) => parseConsumerReport(w))).toEqual([
      { at: "2026-12-01T10:00:00.000Z", ...ABSENT },
      { at: "2026-12-01T10:02:00.000Z", ...READY },
    ]);
  });

  it("never fails the batch when the store refuses, and writes on the next call instead", async () => {
    const report = createConsumerReporter();
    const store = noteStore();
    store.refuse(true);
    await expect(report(store, ABSENT)).resolves.toBeUndefined();
    expect(store.writes).toHaveLength(0);
    store.refuse(false);
    await report(store, ABSENT);
    expect(store.writes).toHaveLength(1);
  });

  it("reads as absent (null) when the note is missing, not JSON, or not a report", () => {
    expect(parseConsumerReport(null)).toBeNull();
    expect(parseConsumerReport("{not json")).toBeNull();
    expect(parseConsumerReport(JSON.stringify({ at: "x", m2: { state: "warm" }, webhook: {} }))).toBeNull();
    expect(parseConsumerReport(JSON.stringify({ at: "2026-12-01T10:00:00.000Z", ...READY }))).toEqual({ at: "2026-12-01T10:00:00.000Z", ...READY });
  });
});
