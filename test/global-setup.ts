// vitest globalSetup of the root config, so it runs once per `vitest run` for both projects
// ("workers" and "node"), in Node, before any test file. It owns every server the tests use:
// - a private redis-server on a free port (dev/redis-server.ts), never the machine's own Redis;
// - the Upstash REST bridge over it (workerd cannot open TCP to Redis the way ioredis does);
// - the webhook receiver (workerd cannot listen);
// - the consumer Worker's bundle, built as `wrangler deploy` would (dev/worker-bundle.ts), which
//   vitest.config.ts runs beside the API Worker so /v2 tickets go through the real consumer;
// - a hung server: accepts every request and never answers, the dependency failure that only
//   a deadline can end (test/unreachable.ts). Tests use it instead of a closed port: a refused
//   connection fails at once, so it never exercises a deadline, and workerd (run with
//   --verbose by @cloudflare/vitest-plugin) prints every refused connection as an
//   "uncaught exception" even when the code catches it.
// Their addresses reach the tests through `provide`/`inject` (test/provided-context.d.ts), and
// all of them are stopped at teardown.
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { type Bridge, startBridge } from "../dev/upstash-bridge.ts";
import { type RedisServer, startRedisServer } from "../dev/redis-server.ts";
import { startWebhookReceiver } from "./webhook-receiver.ts";
import { buildWorkerBundle, CONSUMER_CONFIG_PATH } from "../dev/worker-bundle.ts";

/**
 * Never answers, except GET /__requests, which lists the paths of every request it has left
 * hanging (tests give each use a unique path prefix and count their own). A client that gives
 * up closes its connection; close() drops whatever is still open.
 */
async function startHungServer(): Promise<{ url: string; close(): Promise<void> }> {
  const hung: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET" && req.url === "/__requests") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(hung));
      return;
    }
    hung.push(req.url ?? "/");
    req.resume(); // read the body so the client is not stuck sending it; then say nothing
  });
  // Node would otherwise answer 408 after its request timeout; this server must stay silent.
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

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
    const hung = await startHungServer();
    stops.push(() => hung.close());
    project.provide("hungServer", hung.url);
    // Built fresh for every run, so the consumer under test is the current src/consumer.ts.
    const consumer = buildWorkerBundle(CONSUMER_CONFIG_PATH);
    stops.push(async () => rmSync(consumer.dir, { recursive: true, force: true }));
    project.provide("consumerBundle", { dir: consumer.dir, modules: consumer.modules.map(({ name, type }) => ({ name, type })) });
  } catch (error) {
    // vitest runs no teardown when setup throws: stop what did start.
    await teardown();
    throw error;
  }
  return teardown;
}
