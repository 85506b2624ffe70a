// Pure protocol pieces of the bridge, and the redis-server helper's start/stop behaviour.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import IORedis from "ioredis";
import { describe, expect, inject, it } from "vitest";
import {
  BadRequestError,
  parseCommand,
  parseCommandList,
  rejectConnectionStateCommands,
  routeFor,
  toJsonItem,
  toJsonResult,
} from "./upstash-bridge.ts";
import { freePort, ping, type RedisServer, serverPid, startRedisServer } from "./redis-server.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** The parent pid of a process: /proc on Linux (CI, containers without ps), ps elsewhere. */
function parentOf(pid: number): number {
  const stat = `/proc/${pid}/stat`;
  if (existsSync(stat)) return Number(readFileSync(stat, "utf8").replace(/^.*\) /s, "").split(" ")[1]);
  return Number(execFileSync("ps", ["-o", "ppid=", "-p", String(pid)], { encoding: "utf8" }).trim());
}

/** The server's working folder, where it would write dump files if it ever did. */
async function redisDir(server: RedisServer): Promise<string> {
  const direct = new IORedis(server.url, { lazyConnect: true, retryStrategy: () => null });
  try {
    await direct.connect();
    const [, dir] = (await direct.config("GET", "dir")) as [string, string];
    return dir;
  } finally {
    direct.disconnect();
  }
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
  it("starts its own server on a free loopback port, without persistence, and stops it", async () => {
    const server = await startRedisServer();
    const dir = await redisDir(server);
    try {
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect(await serverPid(server)).toBe(server.pid);
      // No reconnects: a stopped server must make calls settle, not retry.
      const direct = new IORedis(server.url, { lazyConnect: true, retryStrategy: () => null });
      try {
        await direct.connect();
        expect(await direct.config("GET", "save")).toEqual(["save", ""]);
        expect(await direct.config("GET", "appendonly")).toEqual(["appendonly", "no"]);
        expect(await direct.config("GET", "bind")).toEqual(["bind", "127.0.0.1"]);
      } finally {
        direct.disconnect();
      }
    } finally {
      await server.stop();
    }
    expect(await ping(server)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await server.stop(); // idempotent: teardown may run after a failed test already stopped it
  });

  it("moves on to another port when its port was taken after picking, never using the occupant", async () => {
    // Something else (a stand-in for any foreign server) holds the first port it is offered.
    const connections: number[] = [];
    const occupant = createServer((socket) => {
      connections.push(1);
      socket.destroy();
    });
    await new Promise<void>((ok) => occupant.listen(0, "127.0.0.1", ok));
    const taken = (occupant.address() as { port: number }).port;
    const offered: number[] = [];
    const pickPort = async () => {
      const port = offered.length === 0 ? taken : await freePort();
      offered.push(port);
      return port;
    };
    try {
      const server = await startRedisServer({ pickPort });
      try {
        expect(offered[0]).toBe(taken);
        expect(offered).toHaveLength(2);
        expect(server.port).toBe(offered[1]);
        expect(await serverPid(server)).toBe(server.pid);
      } finally {
        await server.stop();
      }
      expect(connections).toHaveLength(0);
    } finally {
      await new Promise((ok) => occupant.close(ok));
    }
  });

  it("explains what to do when no redis-server binary is available", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      await expect(startRedisServer()).rejects.toThrow(/No redis-server binary on PATH.*apt-get install/);
    } finally {
      process.env.PATH = path;
    }
  });

  it("serves the suite from the run's own server, not from one that was already running", async () => {
    const { url, pid } = inject("redis");
    const { port } = new URL(url);
    expect(await serverPid({ host: "127.0.0.1", port: Number(port) })).toBe(pid);
    // Spawned by this run's vitest process (this worker's parent under the forks pool, this
    // process itself under threads), so it cannot be a server that was already running.
    expect([process.pid, process.ppid]).toContain(parentOf(pid));
  });
});
