import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { jsonError, validationHook } from "../http/errors.ts";
import { jsonBody } from "../http/json-body.ts";
import { ROUTER_NAME } from "../router/router-do.ts";
import { BEARER_SECURITY, errorResponses, jsonContent } from "../schemas/common.ts";
import { DRAIN_LIMIT_DEFAULT, DRAIN_LIMIT_MAX, DrainQuerySchema, DrainSchema, QueueStatusSchema, TICKET_REQUEST, V1TicketSchema } from "../schemas/ticket.ts";
import type { Env } from "../env.ts";

const tags = ["v1 (synchronous, M1)"];

const create = createRoute({
  method: "post",
  path: "/tickets",
  tags,
  security: BEARER_SECURITY,
  summary: "Classify a ticket with M1 and queue it",
  middleware: [jsonBody] as const,
  request: TICKET_REQUEST,
  responses: { 201: jsonContent(V1TicketSchema, "Classified and queued."), ...errorResponses(400, 401, 413, 415, 422) },
});
const next = createRoute({
  method: "get",
  path: "/tickets/next",
  tags,
  security: BEARER_SECURITY,
  summary: "Pop the most urgent ticket (FIFO within a level)",
  responses: { 200: jsonContent(V1TicketSchema, "The ticket, now removed."), ...errorResponses(401, 404) },
});
const peek = createRoute({
  method: "get",
  path: "/tickets/peek",
  tags,
  security: BEARER_SECURITY,
  summary: "The ticket `next` would return, left in place",
  responses: { 200: jsonContent(V1TicketSchema, "The ticket."), ...errorResponses(401, 404) },
});
const status = createRoute({
  method: "get",
  path: "/tickets/status",
  tags,
  security: BEARER_SECURITY,
  summary: "Queue depth and tickets popped so far",
  responses: { 200: jsonContent(QueueStatusSchema, "Counts."), ...errorResponses(401) },
});
const drain = createRoute({
  method: "delete",
  path: "/tickets",
  tags,
  security: BEARER_SECURITY,
  summary: `Remove up to \`limit\` tickets (default ${DRAIN_LIMIT_DEFAULT}) and return them in priority order`,
  description:
    "One page of a drain: the removed tickets come back in this response, exactly once. " +
    "Repeat until `remaining` is 0 to empty the queue.",
  request: { query: DrainQuerySchema },
  responses: {
    200: jsonContent(DrainSchema, "The tickets removed by this call and how many remain."),
    ...errorResponses(401),
    422: { ...errorResponses(422)[422], description: `\`limit\` is not an integer from 1 to ${DRAIN_LIMIT_MAX}; nothing was removed.` },
  },
});

export const v1 = new OpenAPIHono<{ Bindings: Env }>({ defaultHook: validationHook });
const router = (env: Env) => env.ROUTER.getByName(ROUTER_NAME);
const EMPTY = "Queue is empty.";

v1.openapi(create, async (c) => c.json(await router(c.env).enqueue(c.req.valid("json")), 201));
v1.openapi(next, async (c) => {
  const ticket = await router(c.env).next();
  return ticket ? c.json(ticket, 200) : jsonError(c, 404, EMPTY);
});
v1.openapi(peek, async (c) => {
  const ticket = await router(c.env).peek();
  return ticket ? c.json(ticket, 200) : jsonError(c, 404, EMPTY);
});
v1.openapi(status, async (c) => c.json(await router(c.env).status(), 200));
v1.openapi(drain, async (c) => c.json(await router(c.env).drain(c.req.valid("query").limit), 200));
