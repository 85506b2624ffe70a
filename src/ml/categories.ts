/**
 * The routing categories and how the dataset's queues map onto them.
 * Teams that bring their own queues change QUEUE_TO_CATEGORY only; every queue
 * not listed falls back to DEFAULT_CATEGORY.
 */
export const CATEGORIES = ["Billing", "Legal", "Technical"] as const;
export type Category = (typeof CATEGORIES)[number];

export const QUEUE_TO_CATEGORY: Readonly<Record<string, Category>> = {
  "Billing and Payments": "Billing",
  "Returns and Exchanges": "Billing",
  "Human Resources": "Legal",
};
export const DEFAULT_CATEGORY: Category = "Technical";

export function categoryForQueue(queue: string): Category {
  return QUEUE_TO_CATEGORY[queue.trim()] ?? DEFAULT_CATEGORY;
}
