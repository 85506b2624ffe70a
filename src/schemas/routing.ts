import { z } from "@hono/zod-openapi";

/** Why a ticket got its category: the model alone, a rule that overturned it (src/routing/decide.ts), or an agent's correction. */
export const RoutingReasonSchema = z
  .object({
    decided_by: z.enum(["model", "rule", "agent"]).openapi({
      description: '"rule" when matched rules changed the category the model alone would have chosen; "model" otherwise (rules may still have matched and agreed); "agent" once a person corrected or confirmed the category (POST /v1|v2/tickets/{id}/category).',
    }),
    rules: z.array(z.string()).openapi({ description: "Ids of every rule that matched the ticket (models/rules/default.json), in file order.", example: ["legal.en.gdpr"] }),
    detail: z.string().openapi({
      description: "One sentence a person can read: the model's choice and confidence, the rules' category, the result.",
      example: "rules legal.en.gdpr point to Legal; model said Technical (0.81), Legal now 0.64",
    }),
  })
  .openapi("RoutingReason");

export type RoutingReason = z.infer<typeof RoutingReasonSchema>;

/** Whether a ticket goes straight to its category's queue or to review first (src/routing/bands.ts). */
export const RoutingSchema = z.enum(["auto", "review"]).openapi("Routing", {
  description: '"auto": the calibrated confidence of its category reached that category\'s threshold (models/m1/routing.json, REVIEW_THRESHOLDS); "review": below it, a person confirms or corrects the category first.',
});

export type Routing = z.infer<typeof RoutingSchema>;

/** The lanes a ticket can wait in: the routing values, one source for every schema and store. */
export const LANES = RoutingSchema.options;
export type Lane = Routing;
const LANE_MESSAGE = `queue must be one of ${LANES.join(", ")}`;
/** `queue` as a query parameter or body field on /v1 and /v2; anything else is a 422 naming the lanes. */
export const laneEnum = () => z.enum(LANES, { error: LANE_MESSAGE });
