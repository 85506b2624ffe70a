/** Bad ticket submissions shared by the /v1 and /v2 tests: each gets a 4xx JSON error naming the problem. */
export type BadInput = { name: string; init: RequestInit; status: number; detail: RegExp };

const JSON_HEADERS = { "content-type": "application/json" };
const post = (body: BodyInit, headers: Record<string, string> = JSON_HEADERS): RequestInit => ({ method: "POST", headers, body });
const withType = (contentType: string) => post(JSON.stringify(VALID_TICKET), { "content-type": contentType });
/** Raw bytes spliced into an otherwise valid ticket, for bodies that no JS string can spell. */
const bytes = (before: string, raw: number[], after: string) =>
  post(new Uint8Array([...new TextEncoder().encode(before), ...raw, ...new TextEncoder().encode(after)]));

/**
 * A body that arrives in chunks with no Content-Length (as a chunked upload does), built
 * on each read of `init` because a stream can be sent only once. (A stream that errors
 * mid-read cannot be a row here: through the Worker's own fetch it arrives as a clean,
 * empty body; test/input-boundary.test.ts sends one to app.fetch instead.)
 */
export function streamed(chunks: Uint8Array[], failAfter?: string): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else if (failAfter !== undefined) controller.error(new Error(failAfter));
      else controller.close();
    },
  });
}
export const enc = (text: string) => new TextEncoder().encode(text);
export const VALID_TICKET = { subject: "Hello", body: "World" };
export const withField = (patch: Record<string, unknown>) => post(JSON.stringify({ ...VALID_TICKET, ...patch }));

export const BAD_TICKET_INPUTS: BadInput[] = [
  { name: "malformed JSON", init: post("{subject: nope"), status: 400, detail: /malformed json/i },
  { name: "truncated JSON", init: post('{"subject":"a","body":"b"'), status: 400, detail: /malformed json/i },
  { name: "empty body", init: post(""), status: 400, detail: /json/i },
  { name: "JSON null", init: post("null"), status: 422, detail: /body/i },
  { name: "JSON array", init: post("[1,2]"), status: 422, detail: /body/i },
  { name: "JSON string", init: post('"subject"'), status: 422, detail: /body/i },
  { name: "missing subject", init: post(JSON.stringify({ body: "b" })), status: 422, detail: /subject is required/ },
  { name: "missing body", init: post(JSON.stringify({ subject: "s" })), status: 422, detail: /body is required/ },
  { name: "missing both", init: post("{}"), status: 422, detail: /subject is required.*body is required/ },
  { name: "empty subject", init: withField({ subject: "" }), status: 422, detail: /subject must not be empty/ },
  { name: "blank subject", init: withField({ subject: "   \n\t" }), status: 422, detail: /subject must not be empty/ },
  { name: "empty body field", init: withField({ body: "" }), status: 422, detail: /body must not be empty/ },
  { name: "subject too long", init: withField({ subject: "x".repeat(501) }), status: 422, detail: /subject must be at most 500/ },
  { name: "body too long", init: withField({ body: "x".repeat(5001) }), status: 422, detail: /body must be at most 5000/ },
  { name: "subject number", init: withField({ subject: 42 }), status: 422, detail: /subject must be a string/ },
  { name: "body null", init: withField({ body: null }), status: 422, detail: /body must be a string/ },
  { name: "body object", init: withField({ body: { text: "x" } }), status: 422, detail: /body must be a string/ },
  { name: "subject array", init: withField({ subject: ["a"] }), status: 422, detail: /subject must be a string/ },
  { name: "unknown field", init: withField({ priority: "high" }), status: 422, detail: /unknown field\(s\): priority/ },
  { name: "text/plain", init: post(JSON.stringify(VALID_TICKET), { "content-type": "text/plain" }), status: 415, detail: /content-type|media type/i },
  { name: "no content type", init: { method: "POST", body: new Blob([JSON.stringify(VALID_TICKET)]) }, status: 415, detail: /content-type|media type/i },
  { name: "form-encoded", init: post("subject=a&body=b", { "content-type": "application/x-www-form-urlencoded" }), status: 415, detail: /content-type|media type/i },
  { name: "body over 64 KiB", init: post(JSON.stringify({ subject: "s", body: "x".repeat(70_000) })), status: 413, detail: /64 KiB/ },
  // Counted while reading: a chunked body has no Content-Length to check up front.
  {
    name: "streamed body over 64 KiB",
    get init() {
      return post(streamed([enc('{"subject":"s","body":"'), ...Array.from({ length: 20 }, () => enc("x".repeat(4096))), enc('"}')]));
    },
    status: 413,
    detail: /64 KiB/,
  },
  { name: "charset=utf-16", init: withType("application/json; charset=utf-16"), status: 415, detail: /charset utf-16/i },
  { name: "charset=ISO-8859-1 (quoted)", init: withType('application/json; charset="ISO-8859-1"'), status: 415, detail: /charset iso-8859-1/i },
  { name: "charset without a value", init: withType("application/json; charset"), status: 415, detail: /content-type.*not a valid media type/i },
  { name: "JSON-like subtype", init: withType("application/jsonx"), status: 415, detail: /content-type application\/jsonx/i },
  { name: "invalid UTF-8 byte", init: bytes('{"subject":"caf', [0xff], '","body":"b"}'), status: 400, detail: /not valid UTF-8/ },
  { name: "truncated UTF-8 sequence", init: bytes('{"subject":"', [0xe2, 0x82], '","body":"b"}'), status: 400, detail: /not valid UTF-8/ },
  { name: "UTF-8-encoded surrogate (CESU-8)", init: bytes('{"subject":"', [0xed, 0xa0, 0x80], '","body":"b"}'), status: 400, detail: /not valid UTF-8/ },
  // JSON's \u escapes can spell a lone surrogate, which is not Unicode text: one rule for every store.
  { name: "lone high surrogate in subject", init: post('{"subject":"a\\ud800b","body":"b"}'), status: 422, detail: /^subject: .*lone surrogate U\+D800/ },
  { name: "lone low surrogate in body", init: post('{"subject":"s","body":"x\\udc00"}'), status: 422, detail: /^body: .*lone surrogate U\+DC00/ },
  { name: "surrogates in the wrong order", init: post('{"subject":"\\udc00\\ud800","body":"b"}'), status: 422, detail: /^subject: .*lone surrogate U\+DC00/ },
];
