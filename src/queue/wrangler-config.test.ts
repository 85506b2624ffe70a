import { describe, expect, it } from "vitest";
import { CONSUMER_CONFIG_PATH, readWranglerConfig } from "../../dev/wrangler-config.ts";
import { MAX_RETRIES } from "./consumer.ts";
import { DEAD_LETTER_QUEUE } from "./dispatch.ts";

// Read by wrangler's own config reader, so this compares what wrangler will deploy.
const api = readWranglerConfig();
const consumerWorker = readWranglerConfig(CONSUMER_CONFIG_PATH);
const consumers = consumerWorker.queues?.consumers ?? [];

describe("the Workers' configurations agree with the queue code", () => {
  it("retries as many times as the consumer expects before recording the failure", () => {
    const main = consumers.find((c) => c.dead_letter_queue);
    expect(main).toBeDefined();
    expect(main!.max_retries).toBe(MAX_RETRIES);
    expect(main!.dead_letter_queue).toBe(DEAD_LETTER_QUEUE);
  });

  it("consumes the dead-letter queue it names", () => {
    expect(consumers.map((c) => c.queue)).toContain(DEAD_LETTER_QUEUE);
  });

  it("consumes the queue the API Worker produces to, and only the consumer Worker consumes", () => {
    const produced = api.queues?.producers?.map((p) => p.queue) ?? [];
    expect(produced).toHaveLength(1);
    expect(consumers.map((c) => c.queue)).toContain(produced[0]);
    expect(api.queues?.consumers ?? []).toEqual([]);
  });

  it("has a cron trigger in the API Worker, without which the sweeper never runs and lost messages strand their tickets", () => {
    expect(api.triggers?.crons).toEqual(["* * * * *"]);
    expect(consumerWorker.triggers?.crons ?? []).toEqual([]);
  });
});
