import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { settleWithin } from "./deadline.ts";

// Fake timers: the deadline fires when the test says so, never because the machine is slow.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => ((resolve = ok), (reject = fail)));
  return { promise, resolve, reject };
}

/** Lets Node report unhandled rejections: they are raised after the microtask queue drains. */
async function afterRejectionChecks(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

describe("settleWithin", () => {
  it("settles with the work when it finishes first, leaving no timer behind", async () => {
    await expect(settleWithin(Promise.resolve("done"), 1_000)).resolves.toBe("done");
    await expect(settleWithin(Promise.reject(new Error("boom")), 1_000)).rejects.toThrow("boom");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects at the deadline when the work hangs", async () => {
    const hung = settleWithin(new Promise(() => {}), 250);
    const outcome = hung.then(() => "resolved", (e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(249);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toBe("timed out after 250 ms");
    expect(vi.getTimerCount()).toBe(0);
  });

  // The store-down tests abandon work at the deadline; if that work rejected unobserved later,
  // Node (or workerd) would report an unhandled rejection long after the test that caused it.
  it("keeps abandoned work observed: its late rejection is not an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const work = deferred<string>();
      const settled = settleWithin(work.promise, 100).catch((e: Error) => e.message);
      await vi.advanceTimersByTimeAsync(100);
      expect(await settled).toBe("timed out after 100 ms");
      work.reject(new Error("Network connection lost."));
      await afterRejectionChecks();
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
