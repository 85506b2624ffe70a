import { describe, expect, it } from "vitest";
import { readWranglerConfig } from "../../dev/wrangler-config.ts";
import { MAX_RETRIES } from "./consumer.ts";
import { DEAD_LETTER_QUEUE } from "./dispatch.ts";

// Read by wrangler's own config reader, so this compares what wrangler will deploy.
const config = readWranglerConfig();
const consumers = config.queues?.consumers ?? [];

describe("wrangler.jsonc agrees with the consumer code", () => {
  it("retries as many times as the consumer expects before recording the failure", () => {
    const main = consumers.find((c) => c.dead_letter_queue);
    expect(main).toBeDefined();
    expect(main!.max_retries).toBe(MAX_RETRIES);
    expect(main!.dead_letter_queue).toBe(DEAD_LETTER_QUEUE);
  });

  it("consumes the dead-letter queue it names", () => {
    expect(consumers.map((c) => c.queue)).toContain(DEAD_LETTER_QUEUE);
  });

  it("has a cron trigger, without which the sweeper never runs and lost messages strand their tickets", () => {
    expect(config.triggers?.crons).toEqual(["* * * * *"]);
  });
});
