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

export function errorResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: "Malformed request (invalid JSON, bad header).",
    401: "Missing or wrong bearer token (only when API_TOKEN is set).",
    404: "Nothing there.",
    413: "Body larger than 64 KiB.",
    415: "Content-Type is not application/json.",
    422: "The JSON body does not match the schema.",
    503: "A dependency (ticket store or queue) is unavailable.",
  };
  return Object.fromEntries(
    statuses.map((s) => [s, { description: descriptions[s] ?? "Error", content: { "application/json": { schema: ErrorSchema } } }]),
  );
}
