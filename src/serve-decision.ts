/**
 * Which model decides each /v2 field, as the bundled M2 heads say (models/m2/heads.json
 * `serve`, written by train:m2 with the figures behind the choice), for /health. Read
 * defensively: heads from before the decision have no `serve` block, and then M1 decides
 * both fields. Only the JSON is imported, never src/m2/: the API Worker bundles no M2 code.
 */
import { z } from "zod";
import headsJson from "../models/m2/heads.json" with { type: "json" };

const ServeFieldSchema = z.object({ model: z.enum(["m1", "m2"]), reason: z.string() });
const ServeSchema = z.object({ category: ServeFieldSchema, urgency: ServeFieldSchema });

export type Serve = z.infer<typeof ServeSchema>;

const heads = headsJson as { serve?: unknown; encoder?: { sha256?: unknown } };

/** The bundled heads' serving decision, or M1 for both fields with the reason it is not there. */
export function bundledServe(artifact: { serve?: unknown } = heads): Serve {
  if (artifact.serve === undefined) return bothM1("the bundled M2 heads predate the serving decision (models/m2/heads.json has no serve block)");
  const parsed = ServeSchema.safeParse(artifact.serve);
  if (parsed.success) return parsed.data;
  return bothM1(`the bundled M2 heads' serve block is invalid (${parsed.error.issues.map((i) => `${i.path.join(".") || "serve"}: ${i.message}`).join("; ")})`);
}

/** The encoder sha256 the bundled heads belong to, or null when they name none. */
export function bundledHeadsEncoder(artifact: { encoder?: { sha256?: unknown } } = heads): string | null {
  const sha = artifact.encoder?.sha256;
  return typeof sha === "string" ? sha : null;
}

function bothM1(why: string): Serve {
  const field = { model: "m1" as const, reason: `${why}: M1 serves` };
  return { category: field, urgency: field };
}
