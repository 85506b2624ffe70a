/**
 * M2_SERVE, the consumer's one override of the heads' serving decision (heads.json `serve`,
 * which train:m2 writes from the grouped-CV figures):
 *  - unset or "auto": the heads decide, field by field (the default, and what production wants);
 *  - "m2": M2 decides both fields whenever it loads, e.g. to try the encoder on `npm run dev`,
 *    or for a team whose own evaluation favours it;
 *  - "m1": M2 is never loaded, whatever the heads say.
 * A value that is none of these leaves the heads' decision in place and says so in every
 * field's reason, which /health shows: a typo must not switch models silently.
 */
import type { M2Serve } from "./heads.ts";

export const M2_SERVE_VALUES = ["auto", "m1", "m2"] as const;

export function effectiveServe(heads: M2Serve, setting: string | undefined): M2Serve {
  const value = setting?.trim().toLowerCase() ?? "";
  if (value === "" || value === "auto") return heads;
  if (value === "m1" || value === "m2") {
    const model: "m1" | "m2" = value;
    const field = (name: keyof M2Serve) => ({
      model,
      reason: `M2_SERVE=${value} overrides the heads (which chose ${heads[name].model}: ${heads[name].reason})`,
    });
    return { category: field("category"), urgency: field("urgency") };
  }
  const ignored = (name: keyof M2Serve) => ({
    ...heads[name],
    reason: `${heads[name].reason} (M2_SERVE=${JSON.stringify(setting)} ignored: use ${M2_SERVE_VALUES.join(", ")})`,
  });
  return { category: ignored("category"), urgency: ignored("urgency") };
}
