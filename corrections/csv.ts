import type { Correction } from "../src/schemas/corrections.ts";

/** The columns train:m1 --corrections reads (training/corrections.ts), in this order. */
export const CORRECTION_COLUMNS = ["ticket_id", "subject", "body", "category", "previous_category", "agent", "corrected_at"] as const;

/** RFC 4180: quote every field that holds a quote, comma or line break; double the quotes. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Header plus one row per correction, CRLF-separated (RFC 4180), ending in a line break. */
export function correctionsCsv(corrections: readonly Correction[]): string {
  const lines = [CORRECTION_COLUMNS.join(",")];
  for (const c of corrections) {
    lines.push(
      [c.ticket_id, c.subject, c.body, c.category, c.previous_category ?? "", c.agent ?? "", c.corrected_at].map(csvField).join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}
