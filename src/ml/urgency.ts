/**
 * The urgency heuristic: a ticket naming an urgent condition in English or German
 * is HIGH (urgency_level 1), everything else NORMAL (5). The /v2 pipeline reuses
 * `matchedKeywords` as a feature beside its learned score.
 *
 * Whole words only, case-insensitive. JS `\b` knows ASCII letters only ("Störung"
 * would break at "ö"), so word edges are Unicode lookarounds on letters and digits.
 */

export const URGENCY_HIGH = 1;
export const URGENCY_NORMAL = 5;
export type UrgencyLevel = typeof URGENCY_HIGH | typeof URGENCY_NORMAL;

/** Lower-case stems; a trailing "*" also matches longer inflections ("ausgefallen*" → "ausgefallene"). */
export const URGENCY_KEYWORDS: readonly string[] = [
  // English
  "asap",
  "urgent",
  "urgently",
  "immediately",
  "immediate",
  "critical",
  "down",
  "outage",
  "outages",
  "breach",
  "breached",
  "broken",
  "failed",
  "failure",
  "error",
  "errors",
  "emergency",
  // German
  "dringend*",
  "sofort",
  "sofortige*",
  "umgehend*",
  "kritisch*",
  "ausfall",
  "ausfälle*",
  "ausgefallen*",
  "störung*",
  "notfall",
  "defekt*",
  "fehler*",
  "fehlgeschlagen*",
  "datenleck*",
  "sicherheitsverletzung*",
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function buildPattern(keywords: readonly string[]): RegExp {
  const alternatives = keywords.map((k) =>
    k.endsWith("*") ? `${escapeRegExp(k.slice(0, -1))}[\\p{L}\\p{N}]*` : escapeRegExp(k),
  );
  // Longest first so "urgently" is reported rather than a shorter prefix of it.
  alternatives.sort((a, b) => b.length - a.length);
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join("|")})(?![\\p{L}\\p{N}])`, "giu");
}

const PATTERN = buildPattern(URGENCY_KEYWORDS);

export type UrgencyResult = {
  urgency_level: UrgencyLevel;
  /** Whether any keyword matched; what /v2 reuses. */
  keywordMatched: boolean;
  /** The matched words as written in the ticket (lower-cased), first occurrence order, no repeats. */
  matchedKeywords: string[];
};

export function urgencyOf(text: string): UrgencyResult {
  const seen = new Set<string>();
  for (const m of text.matchAll(PATTERN)) seen.add(m[0].toLowerCase());
  const matchedKeywords = [...seen];
  const keywordMatched = matchedKeywords.length > 0;
  return { urgency_level: keywordMatched ? URGENCY_HIGH : URGENCY_NORMAL, keywordMatched, matchedKeywords };
}

/** Convenience for callers holding subject and body separately. */
export function ticketUrgency(subject: string, body: string): UrgencyResult {
  return urgencyOf(`${subject}\n${body}`);
}
