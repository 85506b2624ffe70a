/**
 * The continuous urgency target the ridge learns, as the seed defined it: the
 * dataset's priority (low / medium / high) split by whether the ticket names an
 * urgent condition (the keyword heuristic), six bands in all. The keyword half
 * lets two tickets of one priority differ, so the score orders within a queue.
 */
import { ticketUrgency } from "../src/ml/urgency.ts";

export const PRIORITIES = ["low", "medium", "high"] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Target per priority: [keyword absent, keyword present]. */
export const URGENCY_TARGETS: Readonly<Record<Priority, readonly [number, number]>> = {
  low: [0.1, 0.3],
  medium: [0.45, 0.65],
  high: [0.8, 1.0],
};

function asPriority(priority: string): Priority {
  const p = priority.trim().toLowerCase();
  // A silent default would teach the model a band no ticket really has.
  if (!(PRIORITIES as readonly string[]).includes(p)) throw new Error(`unknown ticket priority "${priority}"`);
  return p as Priority;
}

export function urgencyTarget(priority: string, keywordMatched: boolean): number {
  return URGENCY_TARGETS[asPriority(priority)][keywordMatched ? 1 : 0];
}

/** Band name, e.g. "high+kw": the strata of the splits, so every fold holds every band. */
export function urgencyBand(priority: string, keywordMatched: boolean): string {
  return `${asPriority(priority)}${keywordMatched ? "+kw" : ""}`;
}

export type UrgencyLabels = { targets: Float64Array; bands: string[]; keywordMatched: boolean[] };

export function urgencyLabels(tickets: readonly { subject: string; body: string; priority: string }[]): UrgencyLabels {
  const keywordMatched = tickets.map((t) => ticketUrgency(t.subject, t.body).keywordMatched);
  return {
    targets: Float64Array.from(tickets, (t, i) => urgencyTarget(t.priority, keywordMatched[i]!)),
    bands: tickets.map((t, i) => urgencyBand(t.priority, keywordMatched[i]!)),
    keywordMatched,
  };
}
