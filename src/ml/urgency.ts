/**
 * The urgency heuristic: a ticket naming an urgent condition in English, German,
 * Spanish, French or Portuguese is HIGH (urgency_level 1), everything else NORMAL (5).
 * The /v2 pipeline and the urgency score reuse `keywordMatched` as a feature.
 *
 * Whole words only, case-insensitive. JS `\b` knows ASCII letters only ("Störung",
 * "caído" would break at "ö", "í"), so word edges are Unicode lookarounds on letters,
 * marks and digits, and the text is NFC-normalised first so a decomposed "é" (e + U+0301)
 * matches the precomposed keyword. Accents are required as written: stripping them
 * would turn Spanish "crític*" into "critic*" and flag English "criticism".
 *
 * The lists are per language for reading and for per-language evaluation; matching uses
 * their union, because the Worker is not told a ticket's language. So a word that is
 * also ordinary English but not an English keyword (French "interruption", "violation")
 * is left out: it would change which English tickets are flagged.
 */

export const URGENCY_HIGH = 1;
export const URGENCY_NORMAL = 5;
export type UrgencyLevel = typeof URGENCY_HIGH | typeof URGENCY_NORMAL;

/**
 * Lower-case words; a trailing "*" also matches longer inflections ("ausgefallen*" →
 * "ausgefallene"); a space matches any run of whitespace ("en panne", "fora do ar").
 */
export const URGENCY_KEYWORDS_BY_LANGUAGE = {
  en: [
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
  ],
  de: [
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
  ],
  es: [
    "urgente",
    "urgentes",
    "urgentemente",
    "urgencia",
    "inmediato*",
    "inmediata*",
    "crític*",
    "caído*",
    "caída*",
    "fuera de servicio",
    "interrupción",
    "interrupciones",
    "avería*",
    "roto",
    "rota",
    "rotos",
    "rotas",
    "fallo",
    "fallos",
    "falla",
    "fallas",
    "fallido*",
    "fallida*",
    "error",
    "errores",
    "emergencia*",
    "brecha*",
    "lo antes posible",
  ],
  fr: [
    "urgent",
    "urgente",
    "urgentes",
    "urgence*",
    "urgemment",
    "immédiat*",
    "critique*",
    "panne",
    "pannes",
    "en panne",
    "hors service",
    "défaillance*",
    "cassé*",
    "échec*",
    "échoué*",
    "erreur*",
    "fuite de données",
    "violation de données",
    "dès que possible",
  ],
  pt: [
    "urgente",
    "urgentes",
    "urgentemente",
    "urgência*",
    "imediat*",
    "crític*",
    "fora do ar",
    "fora de serviço",
    "inoperante*",
    "interrupção",
    "interrupções",
    "quebrado*",
    "quebrada*",
    "falha*",
    "falhou",
    "erro",
    "erros",
    "emergência*",
    "vazamento de dados",
    "violação de dados",
    "o mais rápido possível",
  ],
} as const satisfies Record<string, readonly string[]>;

export type KeywordLanguage = keyof typeof URGENCY_KEYWORDS_BY_LANGUAGE;
export const KEYWORD_LANGUAGES = Object.keys(URGENCY_KEYWORDS_BY_LANGUAGE) as KeywordLanguage[];

/** Every language's keywords, each once (Spanish and Portuguese share "urgente", "crític*"). */
export const URGENCY_KEYWORDS: readonly string[] = [...new Set(Object.values(URGENCY_KEYWORDS_BY_LANGUAGE).flat())];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const WORD_CHAR = "[\\p{L}\\p{M}\\p{N}]";

function buildPattern(keywords: readonly string[]): RegExp {
  const alternatives = keywords.map((k) => {
    const open = k.endsWith("*");
    const body = escapeRegExp((open ? k.slice(0, -1) : k).normalize("NFC")).replace(/ +/g, "\\s+");
    return open ? `${body}${WORD_CHAR}*` : body;
  });
  // Longest first so "urgently" is reported rather than a shorter prefix of it.
  alternatives.sort((a, b) => b.length - a.length);
  return new RegExp(`(?<!${WORD_CHAR})(?:${alternatives.join("|")})(?!${WORD_CHAR})`, "giu");
}

/** The distinct keyword matches in `text`, lower-cased, whitespace collapsed, first occurrence order. */
export type KeywordMatcher = (text: string) => string[];

/** A matcher for any keyword list in the format above (training scores each language's list alone). */
export function keywordMatcher(keywords: readonly string[]): KeywordMatcher {
  const pattern = buildPattern(keywords);
  return (text) => {
    const seen = new Set<string>();
    for (const m of text.normalize("NFC").matchAll(pattern)) seen.add(m[0].toLowerCase().replace(/\s+/g, " "));
    return [...seen];
  };
}

const matchAll = keywordMatcher(URGENCY_KEYWORDS);

export type UrgencyResult = {
  urgency_level: UrgencyLevel;
  /** Whether any keyword matched; what /v2 reuses. */
  keywordMatched: boolean;
  /** The matched words as written in the ticket (lower-cased), first occurrence order, no repeats. */
  matchedKeywords: string[];
};

export function urgencyOf(text: string): UrgencyResult {
  const matchedKeywords = matchAll(text);
  const keywordMatched = matchedKeywords.length > 0;
  return { urgency_level: keywordMatched ? URGENCY_HIGH : URGENCY_NORMAL, keywordMatched, matchedKeywords };
}

/** Convenience for callers holding subject and body separately. */
export function ticketUrgency(subject: string, body: string): UrgencyResult {
  return urgencyOf(`${subject}\n${body}`);
}
