import { z } from "@hono/zod-openapi";

/** Every 4xx/5xx body: `detail` names the problem; `errors` lists field problems when there are several. */
export const ErrorSchema = z
  .object({
    detail: z.string().openapi({ example: "subject: Too big: expected string to have <=500 characters" }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: "One entry per invalid field (validation errors only)." }),
  })
  .openapi("Error");

export type ErrorBody = z.infer<typeof ErrorSchema>;

/** On every answer of the Worker (src/http/request-id.ts), so documented on every response. */
export const REQUEST_ID_HEADER = {
  "X-Request-Id": {
    description: "The request's id: the client's own X-Request-Id when it is 1-200 characters of [A-Za-z0-9_=-], else a new UUID. Logged with every line the request writes.",
    schema: { type: "string" as const },
  },
};

const errorResponse = (description: string) => ({ description, headers: REQUEST_ID_HEADER, content: { "application/json": { schema: ErrorSchema } } });

const ERROR_RESPONSES = {
  400: errorResponse("The body could not be read to the end, is not valid UTF-8, is empty, or is not valid JSON."),
  401: errorResponse("Missing or wrong bearer token (only when API_TOKEN or API_TOKENS is set)."),
  404: errorResponse("Nothing there."),
  409: errorResponse("The request conflicts with the resource's current state; nothing changed."),
  413: errorResponse("Body larger than 64 KiB."),
  415: errorResponse(
    "Content-Type is missing, is not a valid media type, is not application/json (or a +json type), or names a charset other than UTF-8.",
  ),
  422: errorResponse(
    "The JSON body, a path parameter or a query parameter does not match the schema, or a string in the body holds a lone UTF-16 surrogate (`\\ud800` alone); `errors` lists each field.",
  ),
  // Listed by a route once it names it in errorResponses(...): src/http/rate-limit.ts answers it on every /v1 and /v2 route.
  429: {
    ...errorResponse("The tenant's request budget is spent (only when RATE_LIMIT is on); retry after Retry-After seconds."),
    headers: { ...REQUEST_ID_HEADER, "Retry-After": { description: "Seconds until the budget's window has passed.", schema: { type: "integer" as const } } },
  },
  503: errorResponse("A dependency (ticket store or queue) is unavailable, or API_TOKENS is not valid; retry later."),
};

/** The documented error responses of a route, typed so handlers may return them. */
export function errorResponses<S extends keyof typeof ERROR_RESPONSES>(...statuses: S[]): Pick<typeof ERROR_RESPONSES, S> {
  return Object.fromEntries(statuses.map((s) => [s, ERROR_RESPONSES[s]])) as Pick<typeof ERROR_RESPONSES, S>;
}

/** The 409 of ack and release on both versions: the lease given is not the ticket's live one. */
export const STALE_LEASE_RESPONSE = {
  ...ERROR_RESPONSES[409],
  description: "The lease is not this ticket's live lease (expired, released, acked, or another claim's); nothing changed.",
};

/** A JSON response entry for createRoute. */
export const jsonContent = <T>(schema: T, description: string) => ({ description, headers: REQUEST_ID_HEADER, content: { "application/json": { schema } } });

/** Documented on every /v1 and /v2 route; enforced only when API_TOKEN is set (src/http/auth.ts). */
export const BEARER_SECURITY = [{ bearer: [] }];
