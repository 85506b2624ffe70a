import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { acceptTicket, toV2Drain, toV2Ticket } from "../pipeline/accept.ts";
import { jsonError, validationHook } from "../http/errors.ts";
import { jsonBody } from "../http/json-body.ts";
import { ticketStoreFor } from "../store/select.ts";
import { BEARER_SECURITY, errorResponses, jsonContent } from "../schemas/common.ts";
import { QueueStatusSchema, TICKET_REQUEST } from "../schemas/ticket.ts";
import { DrainQuerySchema, TicketIdParamSchema, V2AcceptedSchema, V2DrainSchema, V2TicketSchema } from "../schemas/v2.ts";
import type { Env } from "../env.ts";

const tags = ["v2 (asynchronous, queue + M2)"];

const create = createRoute({
  method: "post",
  path: "/tickets",
  tags,
  security: BEARER_SECURITY,
  summary: "Accept a ticket for background scoring",
  middleware: [jsonBody] as const,
  request: TICKET_REQUEST,
  responses: { 202: jsonContent(V2AcceptedSchema, "Accepted: a pending record exists and the ticket is queued."), ...errorResponses(400, 401, 413, 415, 422, 503) },
});
const next = createRoute({
  method: "get",
  path: "/tickets/next",
  tags,
  security: BEARER_SECURITY,
  summary: "Pop the processed ticket with the highest urgency score",
  responses: { 200: jsonContent(V2TicketSchema, "The ticket, removed from the queue."), ...errorResponses(401, 404, 503) },
});
const peek = createRoute({
  method: "get",
  path: "/tickets/peek",
  tags,
  security: BEARER_SECURITY,
  summary: "The processed ticket `next` would pop, left in place",
  responses: { 200: jsonContent(V2TicketSchema, "The ticket, still queued."), ...errorResponses(401, 404, 503) },
});
const drain = createRoute({
  method: "delete",
  path: "/tickets",
  tags,
  security: BEARER_SECURITY,
  summary: "Remove up to `limit` processed tickets, returned in pop order",
  description:
    "One page per call, removed atomically: every removed ticket is in `tickets` exactly once, highest urgency first. Repeat while `remaining` > 0. Pending tickets are not touched.",
  request: { query: DrainQuerySchema },
  responses: { 200: jsonContent(V2DrainSchema, "What this page removed."), ...errorResponses(401, 422, 503) },
});
const status = createRoute({
  method: "get",
  path: "/tickets/status",
  tags,
  security: BEARER_SECURITY,
  summary: "Pending and processed (not yet popped) counts",
  responses: { 200: jsonContent(QueueStatusSchema, "Counts."), ...errorResponses(401, 503) },
});
const get = createRoute({
  method: "get",
  path: "/tickets/{id}",
  tags,
  security: BEARER_SECURITY,
  summary: "One ticket's state (status not_found when unknown, or past its retention after leaving the queues)",
  request: { params: TicketIdParamSchema },
  responses: { 200: jsonContent(V2TicketSchema, "The ticket."), ...errorResponses(401, 422, 503) },
});

export const v2 = new OpenAPIHono<{ Bindings: Env }>({ defaultHook: validationHook });
const NOTHING_PROCESSED = "No processed tickets.";

v2.openapi(create, async (c) => c.json(await acceptTicket(c.req.valid("json"), ticketStoreFor(c.env), c.env.TICKET_QUEUE), 202));
v2.openapi(next, async (c) => {
  const record = await ticketStoreFor(c.env).popNext();
  return record ? c.json(toV2Ticket(record.ticket_id, record), 200) : jsonError(c, 404, NOTHING_PROCESSED);
});
// Before /tickets/{id}: otherwise "peek" is taken for an id and rejected as not a UUID.
v2.openapi(peek, async (c) => {
  const record = await ticketStoreFor(c.env).peekNext();
  return record ? c.json(toV2Ticket(record.ticket_id, record), 200) : jsonError(c, 404, NOTHING_PROCESSED);
});
v2.openapi(drain, async (c) => c.json(toV2Drain(await ticketStoreFor(c.env).drain(c.req.valid("query").limit)), 200));
v2.openapi(status, async (c) => {
  const { pending, processed } = await ticketStoreFor(c.env).counts();
  return c.json({ pending, processed, message: `${pending} ticket(s) being scored, ${processed} ready for GET /v2/tickets/next.` }, 200);
});
v2.openapi(get, async (c) => {
  const { id } = c.req.valid("param");
  return c.json(toV2Ticket(id, await ticketStoreFor(c.env).getTicket(id)), 200);
});
