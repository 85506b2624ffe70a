import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_RETRIES } from "./consumer.ts";
import { DEAD_LETTER_QUEUE } from "./dispatch.ts";

const toml = readFileSync(resolve(import.meta.dirname, "../../wrangler.toml"), "utf8");

/** The [[queues.consumers]] blocks as key → raw value maps (enough TOML for this file). */
function consumers(): Record<string, string>[] {
  return toml
    .split("[[queues.consumers]]")
    .slice(1)
    .map((block) => {
      const body = block.split(/^\[/m)[0]!;
      return Object.fromEntries([...body.matchAll(/^(\w+)\s*=\s*(.+)$/gm)].map((m) => [m[1]!, m[2]!.trim().replace(/^"|"$/g, "")]));
    });
}

describe("wrangler.toml agrees with the consumer code", () => {
  it("retries as many times as the consumer expects before recording the failure", () => {
    const main = consumers().find((c) => c.dead_letter_queue);
    expect(main).toBeDefined();
    expect(Number(main!.max_retries)).toBe(MAX_RETRIES);
    expect(main!.dead_letter_queue).toBe(DEAD_LETTER_QUEUE);
  });

  it("consumes the dead-letter queue it names", () => {
    expect(consumers().map((c) => c.queue)).toContain(DEAD_LETTER_QUEUE);
  });

  it("has a cron trigger, without which the sweeper never runs and lost messages strand their tickets", () => {
    const triggers = toml.split(/^\[triggers\]$/m)[1]?.split(/^\[/m)[0] ?? "";
    expect(triggers).toMatch(/^crons\s*=\s*\[\s*"\* \* \* \* \*"\s*\]$/m);
  });
});
