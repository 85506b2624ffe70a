// Drives the bridge with the real @upstash/redis client and raw fetch against a real
// redis-server: the run's own one (test/global-setup.ts), never a server already on the machine.
import { randomUUID } from "node:crypto";
import { Redis as Upstash, errors } from "@upstash/redis";
import IORedis from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { type Bridge, startBridge } from "./upstash-bridge.ts";

const TOKEN = `test-${randomUUID()}`;
const COMPARE_AND_DELETE = `
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`;

let bridge: Bridge;
let admin: IORedis; // direct connection: seeds raw bytes and checks state behind the bridge's back
const prefixes: string[] = [];

// Each test gets its own key prefix, so parallel runs and other suites never collide.
function keyspace(): (name: string) => string {
  const prefix = `${inject("redis").keyPrefix}bridge-test:${randomUUID()}:`;
  prefixes.push(prefix);
  return (name) => prefix + name;
}

type ClientOptions = { automaticDeserialization?: boolean; base64?: boolean; autoPipeline?: boolean };

function client(options: ClientOptions = {}) {
  return new Upstash({
    url: bridge.url,
    token: TOKEN,
    automaticDeserialization: options.automaticDeserialization,
    responseEncoding: options.base64 === false ? false : "base64",
    enableAutoPipelining: options.autoPipeline,
    enableTelemetry: false,
    retry: false,
  });
}

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(bridge.url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function body(res: Response): Promise<{ result?: unknown; error?: string }> {
  return (await res.json()) as { result?: unknown; error?: string };
}

beforeAll(async () => {
  const { url } = inject("redis");
  bridge = await startBridge({ port: 0, redisUrl: url, token: TOKEN });
  admin = new IORedis(url);
});

afterEach(async () => {
  for (const prefix of prefixes.splice(0)) {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
  }
});

afterAll(async () => {
  await bridge?.close();
  await admin?.quit();
});

// base64 and plain JSON responses must behave identically, and so must single commands
// (POST /) and the client's default auto-pipelining (POST /pipeline).
describe.each([
  { encoding: "base64", base64: true, autoPipeline: true },
  { encoding: "plain", base64: false, autoPipeline: true },
  { encoding: "base64", base64: true, autoPipeline: false },
  { encoding: "plain", base64: false, autoPipeline: false },
])("@upstash/redis through the bridge ($encoding responses, autoPipeline $autoPipeline)", (config) => {
  const { base64, autoPipeline } = config;
  it("round-trips set/get, deserialising JSON by default and returning raw strings when asked", async () => {
    const k = keyspace();
    const redis = client({ base64, autoPipeline });
    const raw = client({ base64, autoPipeline, automaticDeserialization: false });
    expect(await redis.set(k("obj"), { id: "t-1", tags: ["a", "b"] })).toBe("OK");
    expect(await redis.get(k("obj"))).toEqual({ id: "t-1", tags: ["a", "b"] });
    expect(await raw.get(k("obj"))).toBe('{"id":"t-1","tags":["a","b"]}');
    expect(await redis.get(k("missing"))).toBeNull();
    expect(await admin.get(k("obj"))).toBe('{"id":"t-1","tags":["a","b"]}');
  });

  it("keeps unicode and JSON/number-looking strings exact in hashes", async () => {
    const k = keyspace();
    const raw = client({ base64, autoPipeline, automaticDeserialization: false });
    const fields = {
      subject: "Rückerstattung für Rechnung №42 — 請求書",
      body: '{"looks":"like json"}',
      zip: "007",
      amount: "12.50",
      flag: "true",
      empty: "",
    };
    expect(await raw.hset(k("h"), fields)).toBe(6);
    // Without deserialisation the client hands back Redis' flat field/value list.
    expect(await raw.hgetall(k("h"))).toEqual(Object.entries(fields).flat());
    expect(await client({ base64, autoPipeline }).hgetall(k("h"))).toMatchObject({ subject: fields.subject, zip: "007" });
    expect(await raw.hget(k("h"), "zip")).toBe("007");
    expect(await admin.hget(k("h"), "subject")).toBe(fields.subject);
  });

  it("orders zpopmax by score and counts with zcard", async () => {
    const k = keyspace();
    const redis = client({ base64, autoPipeline });
    const added = await redis.zadd(
      k("z"),
      { score: 1, member: "low" },
      { score: 7.5, member: "high" },
      { score: 3, member: "mid" },
    );
    expect(added).toBe(3);
    expect(await redis.zcard(k("z"))).toBe(3);
    expect(await redis.zpopmax(k("z"), 2)).toEqual(["high", 7.5, "mid", 3]);
    expect(await redis.zcard(k("z"))).toBe(1);
    expect(await redis.zpopmax(k("missing"))).toEqual([]);
    // RESP2 semantics as on Upstash: scores arrive as strings, pairs as a flat list.
    const raw = client({ base64, autoPipeline, automaticDeserialization: false });
    expect(await raw.zscore(k("z"), "low")).toBe("1");
    expect(await raw.zrange(k("z"), 0, -1, { withScores: true })).toEqual(["low", "1"]);
  });

  it("honours SET NX PX: only the first writer wins and the key expires", async () => {
    const k = keyspace();
    const redis = client({ base64, autoPipeline });
    // An hour: the lock must still be there when checked, however slow the machine is.
    const px = 3_600_000;
    expect(await redis.set(k("lock"), "owner-a", { nx: true, px })).toBe("OK");
    expect(await redis.set(k("lock"), "owner-b", { nx: true, px })).toBeNull();
    expect(await redis.get(k("lock"))).toBe("owner-a");
    const ttl = await redis.pttl(k("lock"));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(px);
  });

  it("reports an erroring command inside a pipeline without stopping the others", async () => {
    const k = keyspace();
    const redis = client({ base64, autoPipeline });
    const build = () => redis.pipeline().set(k("s"), "text").incr(k("s")).set(k("after"), "ran").get(k("s"));
    await expect(build().exec()).rejects.toThrow(/Command 2 \[ incr \] failed: ERR value is not an integer/);
    const results = await build().exec({ keepErrors: true });
    expect(results.map((r) => r.error ?? null)).toEqual([
      null,
      expect.stringMatching(/^ERR value is not an integer/),
      null,
      null,
    ]);
    expect(results.map((r) => r.result)).toEqual(["OK", undefined, "OK", "text"]);
    expect(await admin.get(k("after"))).toBe("ran");
  });

  it("runs multi-exec atomically and returns each command's result in order", async () => {
    const k = keyspace();
    const redis = client({ base64, autoPipeline });
    const results = await redis
      .multi()
      .set(k("n"), 10)
      .incrby(k("n"), 5)
      .hset(k("h"), { emoji: "🎫" })
      .hgetall(k("h"))
      .get(k("n"))
      .exec();
    expect(results).toEqual(["OK", 15, 1, { emoji: "🎫" }, 15]);
  });

  it("evaluates a Lua compare-and-delete via EVAL, SCRIPT LOAD + EVALSHA and createScript", async () => {
    const k = keyspace();
    const redis = client({ base64, autoPipeline });
    await redis.set(k("lease"), "token-1");
    expect(await redis.eval(COMPARE_AND_DELETE, [k("lease")], ["wrong"])).toBe(0);
    expect(await admin.exists(k("lease"))).toBe(1);
    expect(await redis.eval(COMPARE_AND_DELETE, [k("lease")], ["token-1"])).toBe(1);
    expect(await admin.exists(k("lease"))).toBe(0);

    const sha = await redis.scriptLoad(COMPARE_AND_DELETE);
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    await redis.set(k("lease"), "token-2");
    expect(await redis.evalsha(sha, [k("lease")], ["token-2"])).toBe(1);

    // Forces createScript through its NOSCRIPT -> EVAL fallback. Safe only because this is the
    // run's own server: every other script call in the suite is a plain EVAL.
    await admin.script("FLUSH");
    await redis.set(k("lease"), "token-3");
    const script = redis.createScript<number>(COMPARE_AND_DELETE);
    expect(await script.exec([k("lease")], ["token-3"])).toBe(1);
    expect(await admin.exists(k("lease"))).toBe(0);
  });

  it("round-trips emoji, newlines, quotes and control characters", async () => {
    const k = keyspace();
    const raw = client({ base64, autoPipeline, automaticDeserialization: false });
    const tricky = 'line 1\nline 2\r\n\ttab "quoted" \\ back 😀👩‍💻 \u0000 end';
    await raw.set(k("s"), tricky);
    expect(await raw.get(k("s"))).toBe(tricky);
    await raw.rpush(k("l"), tricky, "OK", "PONG");
    expect(await raw.lrange(k("l"), 0, -1)).toEqual([tricky, "OK", "PONG"]);
    expect(await admin.get(k("s"))).toBe(tricky);
  });

  it("surfaces a Redis error as an UpstashError carrying Redis' message", async () => {
    const k = keyspace();
    const redis = client({ base64, autoPipeline });
    await redis.set(k("s"), "not a number");
    const failure = redis.incr(k("s"));
    await expect(failure).rejects.toBeInstanceOf(errors.UpstashError);
    await expect(redis.incr(k("s"))).rejects.toThrow(/ERR value is not an integer or out of range/);
  });
});

describe("bridge HTTP contract (raw fetch)", () => {
  it("answers 401 Unauthorized for a missing or wrong token, to the client too", async () => {
    const noHeader = await fetch(bridge.url, { method: "POST", body: '["ping"]' });
    expect(noHeader.status).toBe(401);
    expect(await noHeader.json()).toEqual({ error: "Unauthorized" });
    const wrong = await post("/", ["ping"], { authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: "Unauthorized" });
    const intruder = new Upstash({ url: bridge.url, token: "nope", enableTelemetry: false, retry: false });
    await expect(intruder.ping()).rejects.toThrow(/^Unauthorized/);
  });

  it("accepts the _token query parameter as Upstash does", async () => {
    const res = await fetch(`${bridge.url}/?_token=${TOKEN}`, { method: "POST", body: '["ping"]' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: "PONG" });
  });

  it("answers 400 with a JSON error for malformed bodies, before touching Redis", async () => {
    for (const malformed of ['["set","x"', "{}", "[]", '"ping"', '[["nested"]]', '["set",{"a":1},"v"]', '["get",null]']) {
      const res = await post("/", malformed);
      expect(res.status, malformed).toBe(400);
      expect((await body(res)).error, malformed).toMatch(/^ERR /);
    }
    const pipeline = await post("/pipeline", '[["ping"], "get"]');
    expect(pipeline.status).toBe(400);
    expect((await body(pipeline)).error).toMatch(/^ERR a command must be/);
  });

  it("answers 400 with Redis' error text for a failing command", async () => {
    const k = keyspace();
    await admin.set(k("s"), "x");
    const wrongType = await post("/", ["hget", k("s"), "f"]);
    expect(wrongType.status).toBe(400);
    expect(await wrongType.json()).toEqual({ error: "WRONGTYPE Operation against a key holding the wrong kind of value" });
    const unknown = await post("/", ["nosuchcommand"]);
    expect(unknown.status).toBe(400);
    expect((await body(unknown)).error).toMatch(/^ERR unknown command 'nosuchcommand'/i);
  });

  it("refuses connection-state commands that would leak into other requests", async () => {
    for (const command of [["select", "1"], ["multi"], ["subscribe", "ch"], ["watch", "k"]]) {
      const res = await post("/", command);
      expect(res.status).toBe(400);
      expect((await body(res)).error).toMatch(/not supported by the Upstash bridge/);
    }
  });

  it("answers 404 for unknown paths and 405 for non-POST", async () => {
    expect((await post("/nope", ["ping"])).status).toBe(404);
    const get = await fetch(bridge.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(get.status).toBe(405);
  });

  it("base64-encodes every string except a top-level OK; integers stay numbers, nil is null", async () => {
    const k = keyspace();
    const b64 = { "upstash-encoding": "base64" };
    const b = (s: string) => Buffer.from(s).toString("base64");
    expect(await (await post("/", ["set", k("a"), "ä😀\n"], b64)).json()).toEqual({ result: "OK" });
    expect(await (await post("/", ["get", k("a")], b64)).json()).toEqual({ result: b("ä😀\n") });
    expect(await (await post("/", ["ping"], b64)).json()).toEqual({ result: b("PONG") });
    expect(await (await post("/", ["type", k("a")], b64)).json()).toEqual({ result: b("string") });
    expect(await (await post("/", ["strlen", k("a")], b64)).json()).toEqual({ result: 7 }); // bytes: 2 + 4 + 1
    expect(await (await post("/", ["get", k("missing")], b64)).json()).toEqual({ result: null });
    const nested = await post("/", ["eval", "return {1, 'OK', {ARGV[1], 2}, false}", "0", "x"], b64);
    expect(await nested.json()).toEqual({ result: [1, b("OK"), [b("x"), 2], null] });
    const mget = await post("/", ["mget", k("a"), k("missing")]);
    expect(await mget.json()).toEqual({ result: ["ä😀\n", null] });
  });

  it("returns stored bytes exactly under base64, even when they are not valid UTF-8", async () => {
    const k = keyspace();
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x41]);
    await admin.set(k("bin"), bytes);
    const res = await post("/", ["get", k("bin")], { "upstash-encoding": "base64" });
    expect(Buffer.from((await body(res)).result as string, "base64")).toEqual(bytes);
  });

  it("returns per-command results and errors from /pipeline", async () => {
    const k = keyspace();
    const res = await post("/pipeline", [["set", k("p"), "v"], ["incr", k("p")], ["strlen", k("p")]]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { result: "OK" },
      { error: "ERR value is not an integer or out of range" },
      { result: 1 },
    ]);
  });

  it("reports runtime errors inside /multi-exec per command, and aborts wholesale on EXECABORT", async () => {
    const k = keyspace();
    const ran = await post("/multi-exec", [["set", k("m"), "v"], ["hget", k("m"), "f"], ["append", k("m"), "w"]]);
    expect(ran.status).toBe(200);
    expect(await ran.json()).toEqual([
      { result: "OK" },
      { error: "WRONGTYPE Operation against a key holding the wrong kind of value" },
      { result: 2 },
    ]);
    const aborted = await post("/multi-exec", [["set", k("never"), "v"], ["get"]]);
    expect(aborted.status).toBe(400);
    expect((await body(aborted)).error).toMatch(/^EXECABORT .*wrong number of arguments for 'get'/);
    expect(await admin.exists(k("never"))).toBe(0);
  });
});
