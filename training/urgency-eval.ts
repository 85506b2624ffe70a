/** How well the keyword heuristic finds priority == "high", per language and overall. */
import type { Ticket } from "../dataset/tickets.ts";
import { URGENCY_HIGH, URGENCY_KEYWORDS, ticketUrgency } from "../src/ml/urgency.ts";
import { binaryPrecisionRecall } from "./metrics.ts";

export function evaluateUrgency(tickets: readonly Ticket[]) {
  const flagged = tickets.map((t) => ticketUrgency(t.subject, t.body).urgency_level === URGENCY_HIGH);
  const high = tickets.map((t) => t.priority.toLowerCase() === "high");
  const subset = (keep: (t: Ticket) => boolean) => {
    const idx = tickets.flatMap((t, i) => (keep(t) ? [i] : []));
    return binaryPrecisionRecall(
      idx.map((i) => high[i]!),
      idx.map((i) => flagged[i]!),
    );
  };
  return {
    target: 'priority == "high"',
    keywords: URGENCY_KEYWORDS,
    all: subset(() => true),
    en: subset((t) => t.language === "en"),
    de: subset((t) => t.language === "de"),
  };
}
