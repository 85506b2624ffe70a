// vitest globalSetup for the "workers" project. It runs in Node (workerd cannot open TCP to Redis
// the way ioredis does), so it starts the Upstash bridge here and hands its URL and token to the
// tests and to the pool options through `provide`/`inject`.
import { randomUUID } from "node:crypto";
import type { TestProject } from "vitest/node";
import { startBridge } from "../dev/upstash-bridge.ts";
import { DEFAULT_REDIS_URL, ensureRedis } from "../dev/redis-server.ts";
import { startWebhookReceiver } from "./webhook-receiver.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  await ensureRedis(redisUrl);
  // A fresh token per run proves tests read it from `inject`, never from a hard-coded value.
  const bridge = await startBridge({ port: 0, redisUrl, token: `test-${randomUUID()}` });
  project.provide("upstash", { url: bridge.url, token: bridge.token });
  const receiver = await startWebhookReceiver();
  project.provide("webhookReceiver", receiver.url);
  return async () => {
    await Promise.all([bridge.close(), receiver.close()]);
  };
}
