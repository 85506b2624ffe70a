/**
 * How a ticket export's columns and queues become training rows: which header holds the
 * subject, the body, the queue (or label) and the language, and which routing category each
 * queue lands in. Runtime-neutral (zod only): the trainer reads it from a JSON file
 * (`train:m1 -- --mapping queues.json`, dataset/load.ts `loadMapping`); the default taxonomy
 * (training/taxonomy.ts) is one such mapping.
 *
 * The category names end up in the Worker's API enum, OpenAPI and chat alerts, so they are
 * restricted to a plain charset, and cannot take the names of a report's summary rows.
 */
import { z } from "zod";
import { categoryNameProblem } from "../src/ml/categories.ts";

/** The Worker's own rule for a category name (src/ml/categories.ts), so what trains also loads. */
export const CategoryNameSchema = z
  .string()
  .trim()
  .superRefine((c, ctx) => {
    const problem = categoryNameProblem(c);
    if (problem) ctx.addIssue({ code: "custom", message: `category "${c}" ${problem}` });
  });

const ColumnName = z.string().trim().min(1, "must name a column of the CSV header");

export const MappingSchema = z
  .strictObject({
    columns: z.strictObject({
      /** Optional: a ticket without a subject column gets "". */
      subject: ColumnName.optional(),
      body: ColumnName,
      /** The queue (or label) each ticket was routed to. */
      label: ColumnName,
      language: ColumnName.optional(),
      /** low / medium / high; only the urgency heuristic's report reads it. */
      priority: ColumnName.optional(),
    }),
    /**
     * "label": the label column's value is the category itself. Otherwise label value →
     * category (matched after trimming, case-sensitive).
     */
    categories: z.union([z.literal("label"), z.record(z.string().trim().min(1, "a queue name must not be empty"), CategoryNameSchema)]),
    /** What happens to a label the map does not list: a default category, or the row is dropped. */
    unmapped: z.union([z.literal("drop"), z.strictObject({ category: CategoryNameSchema })]).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.categories !== "label" && m.unmapped === undefined) {
      ctx.addIssue({ code: "custom", path: ["unmapped"], message: 'required with a category map: {"category": "<name>"} or "drop"' });
    }
    if (m.categories === "label" && m.unmapped !== undefined) {
      ctx.addIssue({ code: "custom", path: ["unmapped"], message: 'has no meaning when categories is "label" (every label is its own category)' });
    }
  });

export type Mapping = z.output<typeof MappingSchema>;

/** The first problem, as "path: message", for an error naming the file. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.join(".") || "(root)"}: ${issue.message}`;
}

/** Parses mapping JSON text; `source` names the file in every error. */
export function parseMapping(text: string, source: string): Mapping {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MappingError(source, `not valid JSON (${(error as Error).message})`);
  }
  const parsed = MappingSchema.safeParse(json);
  if (!parsed.success) throw new MappingError(source, firstIssue(parsed.error));
  return parsed.data;
}

export class MappingError extends Error {
  override readonly name = "MappingError";
  constructor(source: string, problem: string) {
    super(`mapping file ${source}: ${problem}`);
  }
}
