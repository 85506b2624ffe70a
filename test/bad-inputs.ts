/** Bad ticket submissions shared by the /v1 and /v2 tests: each gets a 4xx JSON error naming the problem. */
export type BadInput = { name: string; init: RequestInit; status: number; detail: RegExp };

const JSON_HEADERS = { "content-type": "application/json" };
const post = (body: string, headers: Record<string, string> = JSON_HEADERS): RequestInit => ({ method: "POST", headers, body });
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
];
