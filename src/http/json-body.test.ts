import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { validationHook } from "./errors.ts";
import {
  BodyRejection,
  checkJsonContentType,
  decodeUtf8,
  findLoneSurrogates,
  jsonBody,
  MAX_BODY_BYTES,
  parseJson,
  readBodyBytes,
  readJsonBody,
} from "./json-body.ts";

const enc = (text: string) => new TextEncoder().encode(text);

/** Resolves to the BodyRejection `run` throws, failing the test if it throws nothing or something else. */
async function rejection(run: () => unknown): Promise<BodyRejection> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(BodyRejection);
    return err as BodyRejection;
  }
  throw new Error("expected a BodyRejection, got none");
}

/**
 * A stream of `chunks` that counts pulls and cancels, optionally failing after the last
 * chunk. highWaterMark 0: it pulls only when read, so `pulls` counts the reader's reads.
 */
function source(chunks: Uint8Array[], failWith?: Error) {
  const seen = { pulls: 0, cancelled: false };
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      seen.pulls++;
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else if (failWith) controller.error(failWith);
      else controller.close();
    },
    cancel() {
      seen.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, seen };
}

describe("checkJsonContentType", () => {
  it.each([
    "application/json",
    "application/json;",
    "application/json ;",
    "application/json ; charset=utf-8",
    "application/json\t;\tcharset=utf-8\t",
    " application/json ",
    "Application/JSON; Charset=UTF-8",
    'application/json; charset="utf-8"',
    'application/json; charset="utf\\-8"', // quoted-pair unescapes to utf-8
    "application/json; charset=utf8",
    "application/json; charset=unicode-1-1-utf-8",
    "application/json;;; charset=utf-8;",
    "application/json; profile=ticket; charset=utf-8",
    "application/vnd.api+json",
    "application/problem+json; charset=utf-8",
  ])("accepts %j", (header) => {
    expect(() => checkJsonContentType(header)).not.toThrow();
  });

  it.each([
    [undefined, /^Content-Type is missing/],
    [null, /^Content-Type is missing/],
    ["", /^Content-Type is missing/],
    ["  ", /^Content-Type is missing/],
    ["text/plain", /^Content-Type text\/plain is not supported/],
    ["application/jsonx", /^Content-Type application\/jsonx is not supported/],
    ["application/x-www-form-urlencoded", /^Content-Type application\/x-www-form-urlencoded is not supported/],
    ["json", /is not a valid media type/],
    ["application/json charset=utf-8", /is not a valid media type/],
    ["application/json; charset", /is not a valid media type/],
    ["application/json; charset=", /is not a valid media type/],
    ['application/json; charset="utf-8', /is not a valid media type/],
    ["application/json; charset=utf-16", /^Content-Type charset utf-16 is not supported: JSON must be UTF-8/],
    ["application/json; charset=UTF-16LE", /charset UTF-16LE is not supported/],
    ['application/json; charset="ISO-8859-1"', /charset ISO-8859-1 is not supported/],
    ["application/json; charset=us-ascii", /charset us-ascii is not supported/],
  ])("refuses %j with 415", async (header, detail) => {
    const err = await rejection(() => checkJsonContentType(header));
    expect(err.status).toBe(415);
    expect(err.message).toMatch(detail);
  });

  it("echoes at most 200 characters of a long header", async () => {
    const err = await rejection(() => checkJsonContentType(`application/json; x=${"y".repeat(10_000)}; oops`));
    expect(err.message).toMatch(/… \(cut: 10026 characters\)/);
    expect(err.message.length).toBeLessThan(400);
  });
});

describe("readBodyBytes", () => {
  it("reads a missing body as no bytes", async () => {
    expect(await readBodyBytes(null, null)).toEqual(new Uint8Array(0));
  });

  it("joins chunks in order", async () => {
    const { stream } = source([enc("ab"), enc("c"), enc("de")]);
    expect(new TextDecoder().decode(await readBodyBytes(stream, null))).toBe("abcde");
  });

  it("accepts exactly the limit", async () => {
    const { stream } = source([new Uint8Array(10), new Uint8Array(6)]);
    expect((await readBodyBytes(stream, null, 16)).byteLength).toBe(16);
  });

  it("refuses by Content-Length before reading a byte", async () => {
    const { stream, seen } = source([enc("never read")]);
    const err = await rejection(() => readBodyBytes(stream, String(MAX_BODY_BYTES + 1), MAX_BODY_BYTES));
    expect(err.status).toBe(413);
    expect(err.message).toBe("Request body exceeds 65536 bytes (64 KiB)");
    expect(seen.pulls).toBe(0);
  });

  it("counts a body without Content-Length, stops at the first chunk past the limit and cancels the rest", async () => {
    const { stream, seen } = source(Array.from({ length: 10 }, () => new Uint8Array(10)));
    const err = await rejection(() => readBodyBytes(stream, null, 25));
    expect(err.status).toBe(413);
    expect(seen.pulls).toBe(3); // the third chunk crosses 25 bytes
    expect(seen.cancelled).toBe(true);
  });

  it("counts even when Content-Length is not a number", async () => {
    const { stream } = source([new Uint8Array(30)]);
    expect((await rejection(() => readBodyBytes(stream, "lots", 25))).status).toBe(413);
  });

  it("answers 400 naming the failure when the stream errors mid-read", async () => {
    const { stream } = source([enc('{"subject":')], new TypeError("Network connection lost."));
    const err = await rejection(() => readBodyBytes(stream, null));
    expect(err.status).toBe(400);
    expect(err.message).toBe("Request body could not be read to the end (TypeError: Network connection lost.): resend the whole body");
  });
});

describe("decodeUtf8", () => {
  it("decodes UTF-8 and drops a leading byte order mark", () => {
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, ...enc("café 😀")]))).toBe("café 😀");
  });

  it.each([
    ["a stray continuation byte", [0x80]],
    ["an invalid byte", [0x61, 0xff]],
    ["a truncated sequence", [0xe2, 0x82]],
    ["an overlong encoding", [0xc0, 0xaf]],
    ["a UTF-8-encoded surrogate (CESU-8)", [0xed, 0xa0, 0x80]],
    ["a code point past U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ])("refuses %s with 400 instead of writing U+FFFD", async (_, bytes) => {
    const err = await rejection(() => decodeUtf8(new Uint8Array(bytes)));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^Request body is not valid UTF-8/);
  });
});

describe("parseJson", () => {
  it.each(["", " \r\n\t"])("calls %j an empty body", async (text) => {
    const err = await rejection(() => parseJson(text));
    expect([err.status, err.message]).toEqual([400, "Request body is empty: send a JSON object"]);
  });

  it("passes on the parser's account of what is malformed", async () => {
    const err = await rejection(() => parseJson('{"subject": nope}'));
    expect(err.status).toBe(400);
    // The wording is V8's and may change with it; that it is there is what matters.
    expect(err.message).toMatch(/^Malformed JSON in request body: \S/);
  });

  it("parses any JSON value (the schema judges its shape)", () => {
    expect(parseJson(' {"a":[1,null]} ')).toEqual({ a: [1, null] });
    expect(parseJson("null")).toBeNull();
  });
});

describe("findLoneSurrogates", () => {
  it("passes paired surrogates, escaped or literal, and BMP text", () => {
    expect(findLoneSurrogates(JSON.parse('{"s":"\\ud83d\\ude00 😀 café","b":["\\u00e9"]}'))).toEqual([]);
  });

  it("names each field holding a lone half, with the code unit and where", () => {
    const value = JSON.parse('{"subject":"ab\\ud800","body":"\\udfff","nested":{"list":["ok","x\\udc00\\ud800"]}}');
    expect(findLoneSurrogates(value)).toEqual([
      { path: "subject", message: "text holds a lone surrogate U+D800 at index 2, which is not valid Unicode text" },
      { path: "body", message: "text holds a lone surrogate U+DFFF at index 0, which is not valid Unicode text" },
      { path: "nested.list.1", message: "text holds a lone surrogate U+DC00 at index 1, which is not valid Unicode text" },
    ]);
  });

  it("checks field names too", () => {
    expect(findLoneSurrogates(JSON.parse('{"a\\ud800":1}'))).toEqual([
      { path: "body", message: "a field name holds a lone surrogate U+D800 at index 1, which is not valid Unicode text" },
    ]);
  });

  it("reports at most 10", () => {
    expect(findLoneSurrogates(Array.from({ length: 50 }, () => "\ud800"))).toHaveLength(10);
  });
});

describe("readJsonBody", () => {
  const request = (body: BodyInit | null, contentType = "application/json") =>
    new Request("http://edge.test/v1/tickets", { method: "POST", headers: { "content-type": contentType }, body });

  it("returns the parsed value and the text it came from", async () => {
    const text = '{"subject":"s","body":"b"}';
    expect(await readJsonBody(request(text, "application/json ; charset=UTF-8"))).toEqual({ value: { subject: "s", body: "b" }, text });
  });

  it("checks in order: media type before reading, then size, UTF-8, JSON, Unicode", async () => {
    const { stream, seen } = source([enc("{}")]);
    const init = { method: "POST", headers: { "content-type": "text/plain" }, body: stream, duplex: "half" } as RequestInit;
    expect((await rejection(() => readJsonBody(new Request("http://edge.test/", init)))).status).toBe(415);
    expect(seen.pulls).toBe(0);
    expect((await rejection(() => readJsonBody(request("x".repeat(20)), 10))).status).toBe(413);
    expect((await rejection(() => readJsonBody(request(new Uint8Array([0x7b, 0xff]))))).status).toBe(400);
    expect((await rejection(() => readJsonBody(request("{")))).status).toBe(400);
    const lone = await rejection(() => readJsonBody(request('{"subject":"\\ud800","body":"\\udc00"}')));
    expect(lone.status).toBe(422);
    expect(lone.message).toMatch(/^subject: .*U\+D800.*; body: .*U\+DC00/);
    expect(lone.errors?.map((e) => e.path)).toEqual(["subject", "body"]);
  });
});

describe("jsonBody in front of @hono/zod-openapi's validator", () => {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  const Input = z.strictObject({ subject: z.string().min(1) });
  app.openapi(
    createRoute({
      method: "post",
      path: "/t",
      middleware: [jsonBody] as const,
      request: { body: { required: true, content: { "application/json": { schema: Input } } } },
      responses: { 200: { description: "ok" } },
    }),
    (c) => c.json({ got: c.req.valid("json"), contentType: c.req.header("content-type") }, 200),
  );
  const post = (body: string, contentType: string) => app.request("/t", { method: "POST", headers: { "content-type": contentType }, body });

  it("lets spellings the validator's own check would 415 reach the schema", async () => {
    for (const contentType of ["application/json;", "application/json ; charset=utf-8"]) {
      const res = await post('{"subject":"s"}', contentType);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ got: { subject: "s" }, contentType: "application/json" });
    }
  });

  it("leaves schema problems to the schema (422 through the route's hook)", async () => {
    const res = await post('{"subject":""}', "application/json;");
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ errors: [{ path: "subject" }] });
  });

  it("answers its own refusals as {detail} and never reaches the handler", async () => {
    const res = await post('{"subject":"s"}', "application/json; charset=utf-16");
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ detail: "Content-Type charset utf-16 is not supported: JSON must be UTF-8 (send charset=utf-8 or none)" });
  });
});
