import { describe, expect, it } from "vitest";
import { createAvailability, DEFAULT_RETRY_AFTER_MS, type LoadOutcome } from "./availability.ts";

/** A loader returning what the test last set, counting its calls; hold() keeps it pending until release(). */
function scriptedLoader<T>(first: LoadOutcome<T>) {
  let next = first;
  let gate: Promise<void> | null = null;
  let open = () => {};
  const loader = {
    calls: 0,
    set(outcome: LoadOutcome<T>) {
      next = outcome;
    },
    hold() {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    release() {
      open();
      gate = null;
    },
    load: async (): Promise<LoadOutcome<T>> => {
      loader.calls += 1;
      const outcome = next;
      if (gate) await gate;
      return outcome;
    },
  };
  return loader;
}

const ready = <T>(value: T): LoadOutcome<T> => ({ state: "ready", value, source: "test source" });

describe("M2 availability", () => {
  it("is idle until first asked, then ready with the loaded value, which it keeps", async () => {
    let clock = 100;
    const loader = scriptedLoader(ready("model"));
    const availability = createAvailability(loader.load, { now: () => clock });
    expect(availability.status()).toEqual({ state: "idle" });
    expect(loader.calls).toBe(0);
    expect(await availability.get()).toBe("model");
    expect(availability.status()).toEqual({ state: "ready", source: "test source", loadMs: 0 });
    loader.set({ state: "absent", reason: "gone" });
    clock += 10 * DEFAULT_RETRY_AFTER_MS;
    expect(await availability.get()).toBe("model");
    expect(loader.calls).toBe(1);
  });

  it("shares one load among concurrent first calls, reporting loading meanwhile", async () => {
    const loader = scriptedLoader(ready({ id: 1 }));
    const availability = createAvailability(loader.load);
    loader.hold();
    const calls = [availability.get(), availability.get(), availability.use(async (v) => v.id, String)];
    await Promise.resolve();
    expect(availability.status()).toEqual({ state: "loading" });
    loader.release();
    const [a, b, id] = await Promise.all(calls);
    expect(a).toEqual({ id: 1 });
    expect(b).toBe(a);
    expect(id).toBe(1);
    expect(loader.calls).toBe(1);
  });

  it("believes absent with its reason until the retry interval has passed, then loads again", async () => {
    let clock = 0;
    const loader = scriptedLoader<string>({ state: "absent", reason: "R2 object x not found" });
    const availability = createAvailability(loader.load, { retryAfterMs: 1_000, now: () => clock });
    expect(await availability.get()).toBeNull();
    expect(availability.status()).toEqual({ state: "absent", reason: "R2 object x not found", at: 0 });
    loader.set(ready("uploaded later"));
    clock = 999;
    expect(await availability.get()).toBeNull();
    expect(await availability.use(async () => "scored", String)).toBeNull();
    expect(loader.calls).toBe(1);
    clock = 1_000;
    expect(await availability.get()).toBe("uploaded later");
    expect(loader.calls).toBe(2);
    expect(availability.status()).toMatchObject({ state: "ready" });
  });

  it("retries a failed load on the same interval, the default being 5 minutes", async () => {
    let clock = 0;
    const loader = scriptedLoader<string>({ state: "failed", reason: "could not load the encoder model" });
    const availability = createAvailability(loader.load, { now: () => clock });
    expect(await availability.get()).toBeNull();
    expect(availability.status()).toEqual({ state: "failed", reason: "could not load the encoder model", at: 0 });
    clock = DEFAULT_RETRY_AFTER_MS - 1;
    expect(await availability.get()).toBeNull();
    expect(loader.calls).toBe(1);
    clock = DEFAULT_RETRY_AFTER_MS;
    expect(await availability.get()).toBeNull();
    expect(loader.calls).toBe(2);
    expect(availability.status()).toEqual({ state: "failed", reason: "could not load the encoder model", at: DEFAULT_RETRY_AFTER_MS });
  });

  it("reports a loader that throws as failed with its message", async () => {
    const availability = createAvailability<string>(async () => {
      throw new Error("disk on fire");
    });
    expect(await availability.get()).toBeNull();
    expect(availability.status()).toMatchObject({ state: "failed", reason: "disk on fire" });
  });

  it("never loads again once refused", async () => {
    let clock = 0;
    const loader = scriptedLoader<string>({ state: "refused", reason: "heads belong to encoder a" });
    const availability = createAvailability(loader.load, { retryAfterMs: 1_000, now: () => clock });
    expect(await availability.get()).toBeNull();
    loader.set(ready("other"));
    clock = 1_000_000;
    expect(await availability.get()).toBeNull();
    expect(loader.calls).toBe(1);
    expect(availability.status()).toEqual({ state: "refused", reason: "heads belong to encoder a", at: 0 });
  });

  it("answers null for a use that throws, says failed until the next success, and keeps the value", async () => {
    let clock = 0;
    const loader = scriptedLoader(ready("model"));
    const availability = createAvailability(loader.load, { now: () => clock });
    const describe = (error: unknown) => `inference failed: ${(error as Error).message}`;
    expect(await availability.use(async (m) => `${m} ok`, describe)).toBe("model ok");
    const readyStatus = availability.status();

    clock = 50;
    const failing = await availability.use(async () => {
      throw new Error("bad ticket");
    }, describe);
    expect(failing).toBeNull();
    expect(availability.status()).toEqual({ state: "failed", reason: "inference failed: bad ticket", at: 50 });

    // The next ticket runs at once, without waiting out a retry interval or reloading.
    clock = 51;
    expect(await availability.use(async (m) => `${m} again`, describe)).toBe("model again");
    expect(availability.status()).toEqual(readyStatus);
    expect(loader.calls).toBe(1);
  });
});
