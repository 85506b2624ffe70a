// An Upstash-REST-compatible HTTP front for a real redis-server, so the unmodified
// @upstash/redis client can be exercised locally and in CI without an Upstash account.
// Mirrors what that client sends and expects (see node_modules/@upstash/redis, pkg/http.ts):
//   POST /            ["CMD", ...args]      -> 200 {result} | 400 {error}
//   POST /pipeline    [[...], [...]]        -> 200 [{result}|{error}, ...]
//   POST /multi-exec  [[...], [...]]        -> 200 [{result}|{error}, ...] | 400 {error} on EXECABORT
//   bad/missing token                       -> 401 {"error":"Unauthorized"}
// With "Upstash-Encoding: base64" every string in a result is base64 (bytes preserved exactly),
// except a top-level "OK", which the client's decode() passes through untouched.
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
// Default import: ioredis is CommonJS whose module.exports is the Redis class itself, the one
// shape that survives both Node's ESM loader and vite's interop (vitest globalSetup).
import Redis from "ioredis";
import { startRedisServer } from "./redis-server.ts";

// Upstash rejects oversized requests too; this keeps a runaway test from exhausting memory.
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

// These change per-connection state; on the one connection every request shares they would
// leak into other requests (SELECT, WATCH), hijack it (SUBSCRIBE, MONITOR) or close it (QUIT).
// MULTI/EXEC belong to /multi-exec, which runs them atomically.
const CONNECTION_STATE_COMMANDS = new Set([
  "AUTH", "CLIENT", "DISCARD", "EXEC", "HELLO", "MONITOR", "MULTI", "PSUBSCRIBE", "PUNSUBSCRIBE",
  "QUIT", "RESET", "SELECT", "SSUBSCRIBE", "SUBSCRIBE", "SUNSUBSCRIBE", "SYNC", "PSYNC",
  "UNSUBSCRIBE", "UNWATCH", "WATCH",
]);

/** A client mistake: answered 400 with its message, never sent to Redis. */
export class BadRequestError extends Error {}

export type Endpoint = "command" | "pipeline" | "multi-exec";

// ioredis reports Redis' own error replies as ReplyError; matched by name because the class
// is not reachable through the default import.
export function isRedisError(error: unknown): error is Error {
  return error instanceof Error && error.name === "ReplyError";
}

function redisError(message: string): Error {
  return Object.assign(new Error(message), { name: "ReplyError" });
}

/** Validates one command as the client serialises it: strings, numbers, booleans. */
export function parseCommand(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequestError("ERR a command must be a non-empty JSON array");
  }
  return value.map((arg, i) => {
    if (typeof arg === "string") return arg;
    if (typeof arg === "number" && Number.isFinite(arg)) return String(arg);
    if (typeof arg === "boolean") return String(arg);
    throw new BadRequestError(`ERR argument ${i} must be a string, number or boolean`);
  });
}

/** Validates a pipeline/transaction body: a non-empty array of commands. */
export function parseCommandList(value: unknown): string[][] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequestError("ERR a pipeline must be a non-empty JSON array of commands");
  }
  return value.map(parseCommand);
}

export function rejectConnectionStateCommands(commands: string[][]): void {
  for (const [name] of commands) {
    const upper = name!.toUpperCase();
    if (CONNECTION_STATE_COMMANDS.has(upper)) {
      throw new BadRequestError(`ERR command '${upper}' is not supported by the Upstash bridge`);
    }
  }
}

/**
 * Converts a raw ioredis reply (Buffers, integers, nulls, arrays, nested errors) into the JSON
 * Upstash returns. Redis replies carry bytes, not text: base64 keeps them exact, plain mode
 * decodes UTF-8 like Upstash does.
 */
export function toJsonResult(reply: unknown, base64: boolean, topLevel = true): unknown {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((item) => toJsonResult(item, base64, false));
  if (reply instanceof Error) return toJsonResult(Buffer.from(reply.message), base64, false);
  if (typeof reply !== "string" && !Buffer.isBuffer(reply)) {
    throw new TypeError(`unexpected Redis reply of type ${Object.prototype.toString.call(reply)}`);
  }
  const bytes = Buffer.isBuffer(reply) ? reply : Buffer.from(reply);
  if (!base64) return bytes.toString("utf8");
  // The client's decode() keeps a top-level "OK" as is and base64-decodes every other string.
  if (topLevel && bytes.length === 2 && bytes.toString("latin1") === "OK") return "OK";
  return bytes.toString("base64");
}

export function toJsonItem(error: Error | null | undefined, reply: unknown, base64: boolean) {
  return error ? { error: error.message } : { result: toJsonResult(reply, base64) };
}

function isAuthorized(req: IncomingMessage, url: URL, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const presented = header.startsWith("Bearer ") ? header.slice(7) : (url.searchParams.get("_token") ?? "");
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequestError(`ERR request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError("ERR request body is not valid JSON");
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(json) });
  res.end(json);
}

// ioredis reshapes some replies by command name (HGETALL into an object, HRANDFIELD/XREAD
// into pairs); its transformers are keyed by the lowercase name, so the upper-case name
// keeps Redis' own flat reply, which is what Upstash returns. Redis itself ignores case.
function wireName(name: string): string {
  return name.toUpperCase();
}

async function runCommand(redis: Redis, [name, ...args]: string[], base64: boolean) {
  const reply = await redis.callBuffer(wireName(name!), ...args);
  return { result: toJsonResult(reply, base64) };
}

async function runPipeline(redis: Redis, commands: string[][], base64: boolean) {
  const pipeline = redis.pipeline();
  for (const [name, ...args] of commands) pipeline.callBuffer(wireName(name!), ...args);
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, reply]) => toJsonItem(error, reply, base64));
}

// ioredis wraps the batch in MULTI/EXEC; a command rejected while queueing aborts it all (EXECABORT).
async function runTransaction(redis: Redis, commands: string[][], base64: boolean) {
  const multi = redis.multi();
  for (const [name, ...args] of commands) multi.callBuffer(wireName(name!), ...args);
  try {
    const results = (await multi.exec()) ?? [];
    return results.map(([error, reply]) => toJsonItem(error, reply, base64));
  } catch (error) {
    const causes = ((error as { previousErrors?: Error[] }).previousErrors ?? []).map((e) => e.message);
    const message = (error as Error).message + (causes.length ? ` Caused by: ${causes.join("; ")}` : "");
    throw redisError(message);
  }
}

export function routeFor(pathname: string): Endpoint | undefined {
  const path = pathname.replace(/\/+$/, "");
  if (path === "") return "command";
  if (path === "/pipeline") return "pipeline";
  if (path === "/multi-exec") return "multi-exec";
  return undefined;
}

function createHandler(redis: Redis, token: string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://bridge");
    if (!isAuthorized(req, url, token)) return send(res, 401, { error: "Unauthorized" });
    const endpoint = routeFor(url.pathname);
    if (!endpoint) return send(res, 404, { error: `ERR unknown endpoint ${url.pathname}` });
    if (req.method !== "POST") return send(res, 405, { error: "ERR only POST is supported" });
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    try {
      const body = parseJson(await readBody(req));
      if (endpoint === "command") {
        const command = parseCommand(body);
        rejectConnectionStateCommands([command]);
        return send(res, 200, await runCommand(redis, command, base64));
      }
      const commands = parseCommandList(body);
      rejectConnectionStateCommands(commands);
      const run = endpoint === "pipeline" ? runPipeline : runTransaction;
      return send(res, 200, await run(redis, commands, base64));
    } catch (error) {
      if (error instanceof BadRequestError || isRedisError(error)) {
        return send(res, 400, { error: error.message });
      }
      // Connection trouble with Redis is the bridge's fault, not the caller's.
      return send(res, 500, { error: `ERR bridge failure: ${(error as Error).message}` });
    }
  };
}

/** redisUrl is required: the bridge never guesses which Redis to use. */
export type BridgeOptions = { port?: number; host?: string; redisUrl: string; token: string };
export type Bridge = { url: string; token: string; close(): Promise<void> };

/** Starts the bridge; port 0 picks a free one. Rejects if Redis cannot be reached. */
export async function startBridge({
  port = 0,
  host = "127.0.0.1",
  redisUrl,
  token,
}: BridgeOptions): Promise<Bridge> {
  if (!token) throw new Error("startBridge needs a non-empty token");
  // RESP2, as Upstash speaks it: flat arrays for maps/pairs and scores as strings. ioredis 6
  // defaults to RESP3, whose doubles, maps and nested pairs Upstash never returns.
  // No offline queue: fail fast instead of letting requests hang while Redis is away.
  const redis = new Redis(redisUrl, {
    protocol: 2,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  redis.on("error", () => {}); // surfaced per request as a 500; avoid unhandled 'error' crashes
  await redis.connect();
  const server = createServer(createHandler(redis, token));
  try {
    await new Promise<void>((ok, fail) => {
      server.once("error", fail);
      server.listen(port, host, () => ok());
    });
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}`,
    token,
    async close() {
      server.closeAllConnections(); // the client keeps connections alive; don't wait on them
      await new Promise<void>((ok) => server.close(() => ok()));
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

// For humans: REDIS_URL names a Redis to serve (used as is, never flushed). Without it the
// bridge starts its own throwaway redis-server on a free port and stops it on exit, so a
// Redis that already runs on this machine is never touched by accident.
async function main(): Promise<void> {
  const token = process.env.BRIDGE_TOKEN ?? "local-dev-token";
  const port = Number(process.env.BRIDGE_PORT ?? 8079);
  const own = process.env.REDIS_URL ? undefined : await startRedisServer();
  const redisUrl = process.env.REDIS_URL ?? own!.url;
  let bridge: Bridge;
  try {
    bridge = await startBridge({ port, redisUrl, token });
  } catch (error) {
    await own?.stop();
    throw error;
  }
  const origin = own ? ` (own redis-server, pid ${own.pid}, no persistence: data ends with this process)` : " (REDIS_URL)";
  console.log(`Upstash bridge on ${bridge.url} -> ${redisUrl}${origin}`);
  console.log("Put these in .dev.vars:");
  console.log(`UPSTASH_REDIS_REST_URL=${bridge.url}`);
  console.log(`UPSTASH_REDIS_REST_TOKEN=${bridge.token}`);
  const stop = () =>
    void bridge
      .close()
      .then(() => own?.stop())
      .then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
