import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { jsonError, validationHook } from "../http/errors.ts";
import { tenantOf } from "../http/tenant.ts";
import { correctionCursor, correctionLogFor } from "../corrections/correction-log.ts";
import { BEARER_SECURITY, errorResponses, jsonContent } from "../schemas/common.ts";
import { CorrectionListQuerySchema, CorrectionListSchema } from "../schemas/corrections.ts";
import type { Env } from "../env.ts";

const tags = ["corrections"];

const list = createRoute({
  method: "get",
  path: "/corrections",
  tags,
  security: BEARER_SECURITY,
  summary: "Every category correction of the caller's tenant, oldest first, paged",
  description:
    "Corrections made on /v1 and /v2 (POST /v1|v2/tickets/{id}/category) are kept for good; " +
    "`npm run corrections:export` pages through this list and writes the CSV `train:m1 -- --corrections` reads.",
  request: { query: CorrectionListQuerySchema },
  responses: {
    200: jsonContent(CorrectionListSchema, "One page."),
    ...errorResponses(401, 429),
    422: { ...errorResponses(422)[422], description: "A bad `limit` or `cursor`." },
  },
});

/** Mounted at /v1: the one list of corrections, whichever API version made them. */
export const corrections = new OpenAPIHono<{ Bindings: Env }>({ defaultHook: validationHook });

corrections.openapi(list, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const after = correctionCursor(cursor);
  if (after === null) return jsonError(c, 422, "cursor: not a cursor this service issued (pass next_cursor unchanged)");
  return c.json(await correctionLogFor(c.env, tenantOf(c)).list(limit, after), 200);
});
