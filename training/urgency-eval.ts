/**
 * How well the keyword heuristic finds priority == "high", overall and per ticket
 * language. `byLanguage` scores what runs (every list's union); `ownList` scores each
 * language's tickets with that language's list alone, so a list that adds nothing, or
 * one that only works through another language's words, is visible. `highShare` is the
 * precision of flagging every ticket: the baseline a precision figure has to beat.
 */
import type { Ticket } from "../dataset/tickets.ts";
import {
  KEYWORD_LANGUAGES,
  URGENCY_HIGH,
  URGENCY_KEYWORDS,
  URGENCY_KEYWORDS_BY_LANGUAGE,
  keywordMatcher,
  ticketUrgency,
} from "../src/ml/urgency.ts";
import { binaryPrecisionRecall } from "./metrics.ts";

type Scores = ReturnType<typeof binaryPrecisionRecall> & { highShare: number };

export type UrgencyHeuristicReport = {
  target: string;
  keywords: readonly string[];
  keywordsByLanguage: typeof URGENCY_KEYWORDS_BY_LANGUAGE;
  all: Scores;
  /** The union list, per ticket language (languages with tickets only). */
  byLanguage: Record<string, Scores>;
  /** Each keyword language's tickets against its own list only. */
  ownList: Record<string, Scores>;
} & Record<string, unknown>;

export function evaluateUrgency(tickets: readonly Pick<Ticket, "subject" | "body" | "priority" | "language">[]): UrgencyHeuristicReport {
  const flagged = tickets.map((t) => ticketUrgency(t.subject, t.body).urgency_level === URGENCY_HIGH);
  const high = tickets.map((t) => t.priority.trim().toLowerCase() === "high");
  const scoreOf = (idx: number[], predicted: (i: number) => boolean): Scores => {
    const pr = binaryPrecisionRecall(
      idx.map((i) => high[i]!),
      idx.map(predicted),
    );
    return { ...pr, highShare: idx.length ? pr.positives / idx.length : 0 };
  };
  const rowsOf = (lang: string) => tickets.flatMap((t, i) => (t.language === lang ? [i] : []));
  const languages = [...new Set(tickets.map((t) => t.language))].sort();

  const byLanguage = Object.fromEntries(languages.map((lang) => [lang, scoreOf(rowsOf(lang), (i) => flagged[i]!)]));
  const ownList = Object.fromEntries(
    KEYWORD_LANGUAGES.filter((lang) => languages.includes(lang)).map((lang) => {
      const match = keywordMatcher(URGENCY_KEYWORDS_BY_LANGUAGE[lang]);
      return [lang, scoreOf(rowsOf(lang), (i) => match(`${tickets[i]!.subject}\n${tickets[i]!.body}`).length > 0)];
    }),
  );
  return {
    target: 'priority == "high"',
    keywords: URGENCY_KEYWORDS,
    keywordsByLanguage: URGENCY_KEYWORDS_BY_LANGUAGE,
    all: scoreOf(
      tickets.map((_, i) => i),
      (i) => flagged[i]!,
    ),
    // Top-level language keys as before (train:m1's metrics.json and the model card read en / de).
    ...byLanguage,
    byLanguage,
    ownList,
  };
}
