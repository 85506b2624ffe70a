import { z } from "@hono/zod-openapi";
import { CATEGORIES } from "../ml/categories.ts";

export const SUBJECT_MAX = 500;
export const BODY_MAX = 5000;

/** Trimmed, and blank-after-trim counts as missing: a whitespace-only subject routes nothing. */
const text = (name: string, max: number, example: string) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? `${name} is required` : `${name} must be a string`) })
    .trim()
    .min(1, `${name} must not be empty`)
    .max(max, `${name} must be at most ${max} characters`)
    .openapi({ example });

export const TicketInputSchema = z
  .strictObject({
    subject: text("subject", SUBJECT_MAX, "Refund for a double charge"),
    body: text("body", BODY_MAX, "I was charged twice for my subscription this month. Please refund one payment."),
  })
  .openapi("TicketInput");
export type TicketInput = z.infer<typeof TicketInputSchema>;

export const CategorySchema = z.enum(CATEGORIES).openapi("Category");

export const UrgencyLevelSchema = z
  .union([z.literal(1), z.literal(5)])
  .openapi({ description: "1 = HIGH (an urgency keyword matched), 5 = NORMAL. Lower pops first." });

export const V1TicketSchema = z
  .object({
    ticket_id: z.string().uuid(),
    subject: z.string(),
    body: z.string(),
    category: CategorySchema,
    confidence: z.number().min(0).max(1).openapi({ description: "Calibrated probability of `category`." }),
    urgency_level: UrgencyLevelSchema,
    queued_at: z.string().datetime().openapi({ example: "2026-11-24T10:00:00.000Z" }),
  })
  .openapi("V1Ticket");
export type V1Ticket = z.infer<typeof V1TicketSchema>;

export const QueueStatusSchema = z
  .object({
    pending: z.number().int().nonnegative(),
    processed: z.number().int().nonnegative(),
    message: z.string(),
  })
  .openapi("QueueStatus");
export type QueueStatus = z.infer<typeof QueueStatusSchema>;

export const DRAIN_LIMIT_DEFAULT = 100;
/** 500 tickets at both length limits serialize to about 6 MB, far below workerd's 32 MiB RPC cap. */
export const DRAIN_LIMIT_MAX = 500;
const DRAIN_LIMIT_MESSAGE = `limit must be an integer from 1 to ${DRAIN_LIMIT_MAX}`;

/**
 * For code behind the routes (the Router's and the stores' drains): a page outside
 * 1..DRAIN_LIMIT_MAX is a caller bug, since the routes validate first, and an unbounded
 * page is what overflows an RPC. TypeError, before any I/O.
 */
export function assertDrainLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > DRAIN_LIMIT_MAX) {
    throw new TypeError(`drain limit must be an integer from 1 to ${DRAIN_LIMIT_MAX}, got ${limit}`);
  }
}

/**
 * The query of a paged drain (DELETE /v1/tickets, and /v2's drain). Digits only: a typo
 * such as `1e2` or `-1` must be refused, not coerced into a different page size.
 */
export const DrainQuerySchema = z.object({
  limit: z
    .string({ error: DRAIN_LIMIT_MESSAGE })
    .regex(/^[0-9]+$/, DRAIN_LIMIT_MESSAGE)
    .transform(Number)
    .pipe(z.number().int().min(1, DRAIN_LIMIT_MESSAGE).max(DRAIN_LIMIT_MAX, DRAIN_LIMIT_MESSAGE))
    .optional()
    .transform((n) => n ?? DRAIN_LIMIT_DEFAULT)
    .openapi({
      param: { name: "limit", in: "query" },
      type: "integer",
      minimum: 1,
      maximum: DRAIN_LIMIT_MAX,
      default: DRAIN_LIMIT_DEFAULT,
      description: `Most tickets to remove in this call. Repeat until \`remaining\` is 0.`,
    }),
});
export type DrainQuery = z.infer<typeof DrainQuerySchema>;

export const DrainSchema = z
  .object({
    drained: z.number().int().nonnegative().openapi({ description: "How many tickets this call removed (= tickets.length)." }),
    remaining: z.number().int().nonnegative().openapi({ description: "Tickets still queued after this call; 0 means empty." }),
    tickets: z.array(V1TicketSchema).openapi({ description: "The removed tickets, in the order `next` would have popped them." }),
  })
  .openapi("Drain");
export type Drain = z.infer<typeof DrainSchema>;

/** The request body of both POST routes: required, JSON, validated by TicketInputSchema. */
export const TICKET_REQUEST = { body: { required: true, content: { "application/json": { schema: TicketInputSchema } } } };
