import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { enc, streamed, VALID_TICKET } from "./bad-inputs.ts";
import { BASE, call, json } from "./helpers.ts";

// What both POST routes must accept: every spelling of a JSON media type that RFC 9110
// §8.3.1 allows (OWS around ';', empty parameters, case-insensitive names, quoted values),
// with no charset or a UTF-8 one. The refusals live in bad-inputs.ts, shared with /v2.
const ACCEPTED_CONTENT_TYPES = [
  "application/json",
  "application/json;",
  "application/json ; charset=utf-8",
  "application/json\t;\tcharset=utf-8 ;",
  "APPLICATION/JSON; CHARSET=UTF-8",
  'application/json; charset="utf-8"',
  "application/json;charset=utf8",
  "application/json;;charset=utf-8",
  "application/json; charset=utf-8; version=1",
  "application/vnd.api+json",
];

const ROUTES = [
  { path: "/v1/tickets", created: 201 },
  { path: "/v2/tickets", created: 202 },
];

const post = (path: string, body: BodyInit, contentType = "application/json") =>
  call(path, { method: "POST", headers: { "content-type": contentType }, body });

describe.each(ROUTES)("POST $path input boundary", ({ path, created }) => {
  it.each(ACCEPTED_CONTENT_TYPES)("accepts Content-Type %j", async (contentType) => {
    const res = await post(path, JSON.stringify(VALID_TICKET), contentType);
    expect(res.status).toBe(created);
  });

  it("accepts a surrogate pair, escaped or not (only lone halves are refused)", async () => {
    for (const subject of ['"Smile \\ud83d\\ude00"', '"Smile 😀"']) {
      const res = await post(path, `{"subject":${subject},"body":"b"}`);
      expect(res.status).toBe(created);
    }
  });

  // A body that breaks off mid-read (malformed chunk, client reset) used to escape as a
  // 500 with a stack trace. Sent straight to app.fetch, the stream's error reaches the
  // reader as it would from the network (through the Worker's own fetch it would arrive as
  // an empty body instead).
  it("answers 400 when the body stream fails mid-read, and queues nothing", async () => {
    const app = createApp();
    const pending = async () => (await json<{ pending: number }>(await call(`${path}/status`))).pending;
    const before = await pending();
    const req = new Request(`${BASE}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: streamed([enc('{"subject":"s","bo')], "connection reset mid-body"),
    });
    const res = await app.fetch(req, env, createExecutionContext());
    expect(res.status).toBe(400);
    expect((await json<{ detail: string }>(res)).detail).toMatch(/^Request body could not be read/);
    expect(await pending()).toBe(before);
  });

  it("ignores a UTF-8 byte order mark (RFC 8259 §8.1 allows it)", async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify(VALID_TICKET))]);
    expect((await post(path, bytes)).status).toBe(created);
  });
});

describe("POST /v1/tickets keeps the text it validated", () => {
  it("returns the escaped surrogate pair as the character it spells", async () => {
    const res = await post("/v1/tickets", '{"subject":"Smile \\ud83d\\ude00","body":"b"}', "application/json ; charset=UTF-8");
    expect(res.status).toBe(201);
    expect((await json<{ subject: string }>(res)).subject).toBe("Smile 😀");
  });
});
