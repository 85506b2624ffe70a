/**
 * Text shaping shared by the payload builders: untrusted ticket text goes into chat
 * messages, so it is flattened, bounded and escaped per platform.
 */

export const SUBJECT_MAX_CHARS = 200;

/** Newlines and runs of whitespace would break the one-line layout of an alert. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * At most `max` code points, ending in "…" when cut. Counting code points rather than
 * UTF-16 units keeps emoji and other astral characters from being split in half.
 */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  if (max <= 0) return "";
  return chars.slice(0, max - 1).join("").trimEnd() + "…";
}

/** The subject as every format shows it: one line, bounded, never blank. */
export function displaySubject(subject: string): string {
  return truncate(oneLine(subject), SUBJECT_MAX_CHARS) || "(no subject)";
}

export function formatScore(score: number): string {
  return Number.isFinite(score) ? score.toFixed(2) : "n/a";
}

/** Slack needs exactly these three escaped; `<` would otherwise open `<!channel>` or a link. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Backslash-escapes Discord markdown so a subject cannot bold, spoiler, mask a link
 * (`[text](url)`) or render a `<@id>` mention. Pings are separately disabled by
 * allowed_mentions; this only keeps the rendering literal.
 */
export function escapeDiscord(text: string): string {
  // `#` and `-` only matter at the start (heading, list); the text is a single line.
  return text.replace(/[\\*_~`|<>[\]]/g, "\\$&").replace(/^[#-]/, "\\$&");
}
