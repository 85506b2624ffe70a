/**
 * The default taxonomy: how the dataset's ten queues map onto Billing / Legal / Technical.
 * Training knowledge, not the Worker's: the Worker learns its categories from the trained
 * artefact (src/ml/categories.ts). A team with its own queues passes `--mapping` instead.
 */
import type { Mapping } from "../dataset/mapping.ts";

export const QUEUE_TO_CATEGORY: Readonly<Record<string, string>> = {
  "Billing and Payments": "Billing",
  "Returns and Exchanges": "Billing",
  "Human Resources": "Legal",
};
export const DEFAULT_CATEGORY = "Technical";

/** The dataset's own header names (dataset/README.md) with the mapping above. */
export const DEFAULT_MAPPING: Mapping = {
  columns: { subject: "subject", body: "body", label: "queue", language: "language", priority: "priority" },
  categories: { ...QUEUE_TO_CATEGORY },
  unmapped: { category: DEFAULT_CATEGORY },
};

export function categoryForQueue(queue: string): string {
  return QUEUE_TO_CATEGORY[queue.trim()] ?? DEFAULT_CATEGORY;
}
