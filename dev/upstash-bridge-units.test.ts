// Pure protocol pieces of the bridge, and the redis-server helper's start/probe behaviour.
import { createServer } from "node:net";
import IORedis from "ioredis";
import { describe, expect, it } from "vitest";
import {
  BadRequestError,
  parseCommand,
  parseCommandList,
  rejectConnectionStateCommands,
  routeFor,
  toJsonItem,
  toJsonResult,
} from "./upstash-bridge.ts";
import { DEFAULT_REDIS_URL, ensureRedis, parseRedisUrl, ping } from "./redis-server.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}

describe("parseCommand / parseCommandList", () => {
  it("stringifies numbers and booleans the way the client serialises them", () => {
    expect(parseCommand(["set", "k", 1.5, true, -3])).toEqual(["set", "k", "1.5", "true", "-3"]);
  });

  it.each([[[]], [{}], ["ping"], [["get", null]], [["set", { a: 1 }, "v"]], [[["nested"]]]])(
    "rejects %j as a bad request",
    (body) => {
      expect(() => parseCommand(body)).toThrow(BadRequestError);
    },
  );

  it("requires a non-empty list of valid commands", () => {
    expect(parseCommandList([["ping"], ["get", "k"]])).toEqual([["ping"], ["get", "k"]]);
    expect(() => parseCommandList([])).toThrow(/non-empty JSON array of commands/);
    expect(() => parseCommandList([["ping"], "get"])).toThrow(/a command must be a non-empty JSON array/);
  });

  it("refuses connection-state commands in any letter case", () => {
    expect(() => rejectConnectionStateCommands([["get", "k"], ["SeLeCt", "2"]])).toThrow(/'SELECT' is not supported/);
    expect(() => rejectConnectionStateCommands([["get", "k"], ["eval", "return 1", "0"]])).not.toThrow();
  });
});

describe("toJsonResult", () => {
  it("base64-encodes every string except a top-level OK, keeping numbers and nulls", () => {
    expect(toJsonResult(Buffer.from("OK"), true)).toBe("OK");
    expect(toJsonResult(Buffer.from("PONG"), true)).toBe(b64("PONG"));
    expect(toJsonResult(42, true)).toBe(42);
    expect(toJsonResult(null, true)).toBeNull();
    expect(toJsonResult([Buffer.from("OK"), 1, null, [Buffer.from("é")]], true)).toEqual([b64("OK"), 1, null, [b64("é")]]);
  });

  it("keeps raw bytes exact in base64 and decodes UTF-8 in plain mode", () => {
    const bytes = Buffer.from([0xff, 0x00, 0x41]);
    expect(Buffer.from(toJsonResult(bytes, true) as string, "base64")).toEqual(bytes);
    expect(toJsonResult([Buffer.from("😀\n")], false)).toEqual(["😀\n"]);
  });

  it("renders an error nested in an array as its message, and refuses unknown reply shapes", () => {
    expect(toJsonResult([new Error("ERR inner")], false)).toEqual(["ERR inner"]);
    expect(() => toJsonResult({ field: Buffer.from("v") }, true)).toThrow(TypeError);
  });

  it("builds {error} or {result} items", () => {
    expect(toJsonItem(new Error("ERR x"), undefined, true)).toEqual({ error: "ERR x" });
    expect(toJsonItem(null, Buffer.from("v"), true)).toEqual({ result: b64("v") });
  });
});

describe("routeFor", () => {
  it("maps Upstash's three endpoints, tolerating a trailing slash", () => {
    expect(routeFor("/")).toBe("command");
    expect(routeFor("/pipeline/")).toBe("pipeline");
    expect(routeFor("/multi-exec")).toBe("multi-exec");
    expect(routeFor("/set/foo/bar")).toBeUndefined();
  });
});

describe("redis-server helper", () => {
  it("parses redis URLs with defaults and rejects other schemes", () => {
    expect(parseRedisUrl("redis://127.0.0.1")).toEqual({ host: "127.0.0.1", port: 6379 });
    expect(parseRedisUrl("redis://localhost:6380")).toEqual({ host: "localhost", port: 6380 });
    expect(() => parseRedisUrl("http://127.0.0.1:6379")).toThrow(/redis:\/\//);
  });

  it("leaves a running server alone and reports a closed port as silent", async () => {
    expect(await ensureRedis(DEFAULT_REDIS_URL)).toBe(false);
    expect(await ping(parseRedisUrl(DEFAULT_REDIS_URL))).toBe(true);
    expect(await ping({ host: "127.0.0.1", port: await freePort() })).toBe(false);
  });

  it("starts a throwaway redis-server when nothing answers on a local port", async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    expect(await ensureRedis(url)).toBe(true);
    // No reconnects: SHUTDOWN drops the connection, and it must settle rather than retry.
    const direct = new IORedis(url, { lazyConnect: true, retryStrategy: () => null });
    try {
      await direct.connect();
      expect(await direct.config("GET", "save")).toEqual(["save", ""]);
      expect(await direct.config("GET", "appendonly")).toEqual(["appendonly", "no"]);
    } finally {
      await direct.call("SHUTDOWN", "NOSAVE").catch(() => {}); // rejects as the connection drops
      direct.disconnect();
    }
    expect(await ping({ host: "127.0.0.1", port })).toBe(false);
  });

  it("explains what to do when no redis-server binary is available", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      await expect(ensureRedis(`redis://127.0.0.1:${await freePort()}`)).rejects.toThrow(/no redis-server binary/);
    } finally {
      process.env.PATH = path;
    }
  });

  it("never tries to start a server for a remote address", async () => {
    await expect(ensureRedis("redis://192.0.2.1:6379")).rejects.toThrow(/not a local address/);
  });
});
