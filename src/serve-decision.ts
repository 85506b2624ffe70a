/**
 * Which model decides each /v2 field, as the bundled M2 heads say (models/m2/heads.json
 * `serve`, written by train:m2 with the figures behind the choice), for /health. Read
 * defensively: heads from before the decision have no `serve` block, and then M1 decides
 * both fields. The schema is the heads' own (src/m2/heads.ts, plain zod and arithmetic):
 * the API Worker bundles it, but nothing that loads or runs an encoder.
 */
import headsJson from "../models/m2/heads.json" with { type: "json" };
import { ServeSchema, type M2Serve } from "./m2/heads.ts";

export type Serve = M2Serve;

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
