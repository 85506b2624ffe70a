/**
 * Matching rules against a ticket. Text and terms go through one pipeline, so a rule
 * matches exactly when its words occur as whole words of the ticket:
 *   words ([\p{L}\p{N}]+, lower-case) → the rule language's stemmer (unless the rule says
 *   stem: false) → accents folded (NFD, marks dropped, ß → ss).
 * Folding comes after stemming because the Romance stemmers read accented suffixes.
 * A phrase matches its words consecutively; "*word" matches a word ending in it (German
 * compounds); nothing matches inside a word ("contract" never hits "contractor").
 * Every language's rules are tried on every ticket (the API is not told the language), each
 * with its own stemmer over the ticket's words.
 */
import { ticketText } from "../ml/text.ts";
import type { Rule, RuleLanguage, RulesFile } from "./schema.ts";
import { STEMMERS } from "./stemmers.ts";

const WORD = /[\p{L}\p{N}]+/gu;

export function words(text: string): string[] {
  return text.normalize("NFC").toLowerCase().match(WORD) ?? [];
}

export function fold(word: string): string {
  return word.normalize("NFD").replace(/\p{M}/gu, "").replace(/ß/g, "ss");
}

/** The key a word is compared by, for a language's rules (stemmed or not). */
export function wordKey(word: string, language: RuleLanguage, stem: boolean): string {
  return fold(stem ? STEMMERS[language](word) : word);
}

type CompiledTerm = { keys: string[]; suffix: boolean };
type CompiledRule = { rule: Rule; view: string; terms: CompiledTerm[]; with: CompiledTerm[] | null };

export type CompiledRules = { file: RulesFile; rules: CompiledRule[]; views: { id: string; language: RuleLanguage; stem: boolean }[] };

const viewId = (language: RuleLanguage, stem: boolean) => `${language}:${stem ? "stem" : "word"}`;

function compileTerm(term: string, language: RuleLanguage, stem: boolean): CompiledTerm {
  const suffix = term.startsWith("*");
  return { keys: words(suffix ? term.slice(1) : term).map((w) => wordKey(w, language, stem)), suffix };
}

export function compileRules(file: RulesFile): CompiledRules {
  const views = new Map<string, { id: string; language: RuleLanguage; stem: boolean }>();
  const rules = file.rules.map((rule) => {
    const view = viewId(rule.language, rule.stem);
    views.set(view, { id: view, language: rule.language, stem: rule.stem });
    return {
      rule,
      view,
      terms: rule.terms.map((t) => compileTerm(t, rule.language, rule.stem)),
      with: rule.with ? rule.with.map((t) => compileTerm(t, rule.language, rule.stem)) : null,
    };
  });
  return { file, rules, views: [...views.values()] };
}

type View = { keys: string[]; positions: Map<string, number[]> };

function buildView(ws: readonly string[], language: RuleLanguage, stem: boolean): View {
  const cache = new Map<string, string>();
  const keys = ws.map((w) => {
    let k = cache.get(w);
    if (k === undefined) cache.set(w, (k = wordKey(w, language, stem)));
    return k;
  });
  const positions = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const at = positions.get(k);
    if (at) at.push(i);
    else positions.set(k, [i]);
  });
  return { keys, positions };
}

/** Where the term occurs, as [first word, word count] spans. */
function termSpans(term: CompiledTerm, view: View): [number, number][] {
  if (term.keys.length === 0) return [];
  if (term.suffix) return view.keys.flatMap((k, i) => (k.endsWith(term.keys[0]!) ? [[i, 1] as [number, number]] : []));
  const starts = view.positions.get(term.keys[0]!) ?? [];
  return starts.filter((s) => term.keys.every((k, j) => view.keys[s + j] === k)).map((s) => [s, term.keys.length] as [number, number]);
}

export type RuleHit = { id: string; category: string; language: RuleLanguage };

/**
 * The rules that match the ticket, in file order. A term's occurrence inside a longer
 * phrase that another rule matched does not count ("pagamento" inside "folha de
 * pagamento" is payroll, not a payment): the longest match speaks for those words.
 */
export function matchRules(compiled: CompiledRules, subject: string, body: string): RuleHit[] {
  const ws = words(ticketText(subject, body));
  const views = new Map(compiled.views.map((v) => [v.id, buildView(ws, v.language, v.stem)]));
  const found = compiled.rules.map((r) => {
    const view = views.get(r.view)!;
    const spans = r.terms.flatMap((t) => termSpans(t, view));
    const ok = spans.length > 0 && (!r.with || r.with.some((t) => termSpans(t, view).length > 0));
    return ok ? spans : [];
  });
  const phrases = found.flatMap((spans, i) => spans.filter(([, len]) => len > 1).map(([start, len]) => ({ rule: i, start, end: start + len })));
  const inside = (rule: number, [start, len]: [number, number]) =>
    phrases.some((p) => p.rule !== rule && p.end - p.start > len && p.start <= start && start + len <= p.end);
  return compiled.rules.flatMap((r, i) =>
    found[i]!.some((span) => !inside(i, span)) ? [{ id: r.rule.id, category: r.rule.category, language: r.rule.language }] : [],
  );
}
