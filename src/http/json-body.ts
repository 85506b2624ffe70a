/**
 * The one reader for JSON request bodies. Every step that can refuse a body happens here,
 * before any handler or store sees it, so a refused request writes nothing:
 *
 *   Content-Type  415  must parse as an RFC 9110 media type, be application/json (or a
 *                      +json type) and name no charset but UTF-8
 *   size          413  over MAX_BODY_BYTES, by Content-Length or counted while reading
 *   reading       400  the body stream failed (client reset, broken chunked encoding)
 *   UTF-8         400  invalid bytes are refused, not replaced by U+FFFD
 *   JSON          400  empty or malformed
 *   Unicode       422  a string (or key) holds a lone surrogate, which JSON's \u escapes can
 *                      spell but which is not Unicode text: the stores would each keep,
 *                      mangle or replace it differently
 *
 * What passes goes on to @hono/zod-openapi's own validation (the route's schema), see
 * `jsonBody` below. Plain functions, so Node and workerd run the same code.
 */
import { parse as parseMediaType } from "fast-content-type-parse";
import type { MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorBody } from "../schemas/common.ts";
import { clip, jsonError } from "./errors.ts";

export const MAX_BODY_BYTES = 64 * 1024;

/** A refused body: the status and the `{detail, errors?}` the client gets. */
export class BodyRejection extends Error {
  constructor(
    readonly status: 400 | 413 | 415 | 422,
    message: string,
    readonly errors?: ErrorBody["errors"],
  ) {
    super(message);
    this.name = "BodyRejection";
  }
}

// The WHATWG Encoding Standard's labels for UTF-8, which is all a JSON body may be
// (RFC 8259 §8.1); browsers and HTTP libraries send these spellings.
const UTF8_LABELS = new Set(["utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"]);
// application/json and the +json structured-syntax suffix (RFC 6839), as Hono accepted before.
const JSON_TYPE = /^application\/(?:[!#$%&'*+.^_`|~0-9a-z-]+\+)?json$/;
const SEND_JSON = "send the ticket as application/json";

/** Checks a Content-Type header for a JSON body in UTF-8; throws a 415 naming what is wrong. */
export function checkJsonContentType(header: string | null | undefined): void {
  if (header === null || header === undefined || header.trim() === "") {
    throw new BodyRejection(415, `Content-Type is missing: ${SEND_JSON}`);
  }
  let mediaType: ReturnType<typeof parseMediaType>;
  try {
    mediaType = parseMediaType(header);
  } catch {
    throw new BodyRejection(415, `Content-Type ${JSON.stringify(clip(header))} is not a valid media type: ${SEND_JSON}`);
  }
  if (!JSON_TYPE.test(mediaType.type)) {
    throw new BodyRejection(415, `Content-Type ${clip(mediaType.type)} is not supported: ${SEND_JSON}`);
  }
  const charset = mediaType.parameters["charset"];
  if (charset !== undefined && !UTF8_LABELS.has(charset.trim().toLowerCase())) {
    throw new BodyRejection(415, `Content-Type charset ${clip(charset)} is not supported: JSON must be UTF-8 (send charset=utf-8 or none)`);
  }
}

/**
 * Reads a body to the end, refusing it as soon as it is known to exceed `maxBytes`: up
 * front by Content-Length, else by counting chunks (a chunked upload declares no length),
 * so an oversized body is never buffered whole.
 */
export async function readBodyBytes(
  body: ReadableStream<Uint8Array> | null,
  contentLength: string | null | undefined,
  maxBytes = MAX_BODY_BYTES,
): Promise<Uint8Array> {
  const tooLarge = () => new BodyRejection(413, `Request body exceeds ${maxBytes} bytes (${maxBytes / 1024} KiB)`);
  if (contentLength && /^\d+$/.test(contentLength.trim()) && Number(contentLength) > maxBytes) throw tooLarge();
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (err) {
      // The stream failed under us: the client reset, or its chunked encoding broke.
      // Its fault, not ours, and nothing has been parsed or written yet.
      throw new BodyRejection(400, `Request body could not be read to the end (${clip(errorText(err), 120)}): resend the whole body`);
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      // Stop the upload instead of draining it; a failing cancel changes nothing for the client.
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(chunk.value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return bytes;
}

/** UTF-8 → text, refusing invalid bytes rather than replacing them; a leading BOM is dropped (RFC 8259 §8.1 allows ignoring it). */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new BodyRejection(400, "Request body is not valid UTF-8: JSON must be sent as UTF-8 (RFC 8259 §8.1)");
  }
}

/** Text → value; empty and malformed bodies are 400s that say which. */
export function parseJson(text: string): unknown {
  if (text.trim() === "") throw new BodyRejection(400, "Request body is empty: send a JSON object");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BodyRejection(400, `Malformed JSON in request body: ${clip(errorText(err, false), 200)}`);
  }
}

export type LoneSurrogate = { path: string; message: string };

const LONE_SURROGATE = /\p{Surrogate}/u; // with the u flag, only unpaired halves match
const MAX_REPORTED = 10;

/** Every string and key in `value` holding a lone surrogate, with where (paths as in validation errors). */
export function findLoneSurrogates(value: unknown): LoneSurrogate[] {
  const found: LoneSurrogate[] = [];
  const check = (text: string, path: (string | number)[], what: string) => {
    const match = LONE_SURROGATE.exec(text);
    if (!match) return;
    const unit = match[0].charCodeAt(0).toString(16).toUpperCase();
    found.push({
      path: path.length ? path.join(".") : "body",
      message: `${what} holds a lone surrogate U+${unit} at index ${match.index}, which is not valid Unicode text`,
    });
  };
  const walk = (v: unknown, path: (string | number)[]) => {
    if (found.length >= MAX_REPORTED) return;
    if (typeof v === "string") check(v, path, "text");
    else if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
    else if (v !== null && typeof v === "object") {
      for (const [key, item] of Object.entries(v)) {
        check(key, path, "a field name");
        walk(item, [...path, key.replace(LONE_SURROGATE, "\uFFFD")]);
      }
    }
  };
  walk(value, []);
  return found.slice(0, MAX_REPORTED);
}

export type JsonBody = { value: unknown; text: string };

/** All the checks above, in order; throws a BodyRejection for the first that fails. */
export async function readJsonBody(request: Request, maxBytes = MAX_BODY_BYTES): Promise<JsonBody> {
  checkJsonContentType(request.headers.get("content-type"));
  const bytes = await readBodyBytes(request.body, request.headers.get("content-length"), maxBytes);
  const text = decodeUtf8(bytes);
  const value = parseJson(text);
  const lone = findLoneSurrogates(value);
  if (lone.length) {
    throw new BodyRejection(422, lone.map((e) => `${e.path}: ${e.message}`).join("; "), lone);
  }
  return { value, text };
}

/**
 * Route middleware for a JSON body: refuses what readJsonBody refuses, with `{detail}`,
 * and hands the rest to @hono/zod-openapi's validator so the route's zod schema stays
 * the one validator. That validator checks Content-Type against a narrower pattern than
 * RFC 9110 (it 415s `application/json ;` and `application/json;`) and then reads the body
 * itself, so the request it sees carries the canonical media type and the decoded text,
 * with the text already in Hono's body cache (no second read).
 */
export const jsonBody: MiddlewareHandler = async (c, next) => {
  let body: JsonBody;
  try {
    body = await readJsonBody(c.req.raw);
  } catch (err) {
    if (!(err instanceof BodyRejection)) throw err;
    return jsonError(c, err.status as ContentfulStatusCode, err.message, err.errors);
  }
  const headers = new Headers(c.req.raw.headers);
  headers.set("content-type", "application/json");
  headers.delete("content-length");
  c.req.raw = new Request(c.req.raw, { headers, body: body.text });
  // Hono keeps the promise of each read here (its BodyCache type says `string` under the Workers types).
  (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(body.text);
  await next();
};

function errorText(err: unknown, withName = true): string {
  if (err instanceof Error) return withName && err.name !== "Error" ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}

