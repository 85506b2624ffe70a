// vitest globalSetup of the root config, so it runs once per `vitest run` for both projects
// ("workers" and "node"), in Node, before any test file. It owns every server the tests use:
// - a private redis-server on a free port (dev/redis-server.ts), never the machine's own Redis;
// - the Upstash REST bridge over it (workerd cannot open TCP to Redis the way ioredis does);
// - the webhook receiver (workerd cannot listen).
// Their addresses reach the tests through `provide`/`inject` (test/provided-context.d.ts), and
// all of them are stopped at teardown.
import { randomUUID } from "node:crypto";
import type { TestProject } from "vitest/node";
import { type Bridge, startBridge } from "../dev/upstash-bridge.ts";
import { type RedisServer, startRedisServer } from "../dev/redis-server.ts";
import { startWebhookReceiver } from "./webhook-receiver.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  // Stops in reverse start order, so the bridge lets go of Redis before Redis goes away.
  const teardown = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const redis: RedisServer = await startRedisServer();
    stops.push(() => redis.stop());
    // Every key this run writes starts with this, on top of the per-test prefixes, so even a
    // server shared by mistake could never mix two runs' keys.
    const keyPrefix = `run:${randomUUID()}:`;
    project.provide("redis", { url: redis.url, pid: redis.pid, keyPrefix });
    // A fresh token per run proves tests read it from `inject`, never from a hard-coded value.
    const bridge: Bridge = await startBridge({ port: 0, redisUrl: redis.url, token: `test-${randomUUID()}` });
    stops.push(() => bridge.close());
    project.provide("upstash", { url: bridge.url, token: bridge.token });
    const receiver = await startWebhookReceiver();
    stops.push(() => receiver.close());
    project.provide("webhookReceiver", receiver.url);
  } catch (error) {
    // vitest runs no teardown when setup throws: stop what did start.
    await teardown();
    throw error;
  }
  return teardown;
}
