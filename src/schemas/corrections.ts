import { z } from "@hono/zod-openapi";
import { CATEGORIES } from "../ml/categories.ts";
import { CategorySchema } from "./ticket.ts";

const CATEGORY_MESSAGE = `category must be one of ${CATEGORIES.join(", ")}`;

/** POST /v1|v2/tickets/{id}/category: the category an agent says is right. */
export const CorrectionInputSchema = z
  .strictObject({
    category: z.enum(CATEGORIES, { error: CATEGORY_MESSAGE }).openapi({ description: "The right category.", example: CATEGORIES[0] }),
    lease_id: z
      .string({ error: "lease_id must be a string" })
      .min(1, "lease_id must not be empty")
      .max(100)
      .optional()
      .openapi({ description: "Needed only while the ticket is claimed: the claim's lease id, proving the caller holds it." }),
  })
  .openapi("CorrectionInput");
export type CorrectionInput = z.infer<typeof CorrectionInputSchema>;

/** Where the ticket was when it was corrected, and so what the correction did to it. */
export const CorrectedStateSchema = z.enum(["queued", "claimed", "done", "pending", "processed", "failed"]).openapi({
  description:
    "The ticket's state at the correction. queued (v1) / processed (v2, waiting): moved to the new category's queue at its old place; " +
    "claimed: relabelled, stays with its agent; done, pending, failed: recorded for training only.",
});

export const CorrectionSchema = z
  .object({
    correction_id: z.string().uuid(),
    ticket_id: z.string(),
    api: z.enum(["v1", "v2"]),
    previous_category: CategorySchema.nullable().openapi({ description: "What the model (or an earlier correction) said; null for a /v2 ticket not yet scored." }),
    category: CategorySchema,
    agent: z.string().nullable().openapi({ description: "Who corrected it: the token's agent (API_TOKENS), null for a shared token." }),
    corrected_at: z.string().datetime(),
    state: CorrectedStateSchema,
    moved: z.boolean().openapi({ description: "Whether the ticket changed queues because of this correction." }),
    subject: z.string(),
    body: z.string(),
  })
  .openapi("Correction");
export type Correction = z.infer<typeof CorrectionSchema>;

export const CORRECTIONS_LIMIT_DEFAULT = 100;
export const CORRECTIONS_LIMIT_MAX = 500;
const LIMIT_MESSAGE = `limit must be an integer from 1 to ${CORRECTIONS_LIMIT_MAX}`;

export const CorrectionListQuerySchema = z.object({
  limit: z
    .string({ error: LIMIT_MESSAGE })
    .regex(/^[0-9]+$/, LIMIT_MESSAGE)
    .transform(Number)
    .pipe(z.number().int().min(1, LIMIT_MESSAGE).max(CORRECTIONS_LIMIT_MAX, LIMIT_MESSAGE))
    .optional()
    .transform((n) => n ?? CORRECTIONS_LIMIT_DEFAULT)
    .openapi({ param: { name: "limit", in: "query" }, type: "integer", minimum: 1, maximum: CORRECTIONS_LIMIT_MAX, default: CORRECTIONS_LIMIT_DEFAULT }),
  cursor: z
    .string({ error: "cursor must be a string" })
    .regex(/^c[0-9]{1,15}$/, "cursor: not a cursor this service issued (pass next_cursor unchanged)")
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "`next_cursor` of the previous page." }),
});

export const CorrectionListSchema = z
  .object({
    corrections: z.array(CorrectionSchema).openapi({ description: "Oldest first, so an export can resume from its last cursor." }),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null when this page reached the newest." }),
  })
  .openapi("CorrectionList");
export type CorrectionList = z.infer<typeof CorrectionListSchema>;
