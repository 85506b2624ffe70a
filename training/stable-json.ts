/**
 * Committed training artefacts hold no wall-clock facts (when, how long), so retraining
 * on the same data and code leaves git clean and a diff in models/ always means a real
 * change. Trainers keep timing what they do and print it; this strips it before writing.
 */

/** `date`, `seconds` and any `…Seconds` key: the clock fields the trainers record. */
export function isClockKey(key: string): boolean {
  return key === "date" || key === "seconds" || key.endsWith("Seconds");
}

/** A deep copy of `value` without clock fields, at any depth (arrays included). */
export function withoutClockFields<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => withoutClockFields(v)) as T;
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return value;
  return Object.fromEntries(
    Object.entries(value).filter(([k]) => !isClockKey(k)).map(([k, v]) => [k, withoutClockFields(v)]),
  ) as T;
}

/** The bytes a trainer writes for a metrics file: 2-space JSON, clock fields removed. */
export function stableMetricsJson(metrics: unknown): string {
  return JSON.stringify(withoutClockFields(metrics), null, 2) + "\n";
}
