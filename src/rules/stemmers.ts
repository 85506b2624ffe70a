/// <reference path="./natural-stemmers.d.ts" />
/**
 * One stemmer per rule language, from `natural` (Porter / Snowball-style). Each module is
 * imported alone: they are plain CommonJS with no fs or native code, so they run in workerd
 * (src/rules/match.workerd.test.ts); the German one pulls in stopwords-iso (~200 kB JSON).
 */
import de from "natural/lib/natural/stemmers/porter_stemmer_de.js";
import en from "natural/lib/natural/stemmers/porter_stemmer.js";
import es from "natural/lib/natural/stemmers/porter_stemmer_es.js";
import fr from "natural/lib/natural/stemmers/porter_stemmer_fr.js";
import pt from "natural/lib/natural/stemmers/porter_stemmer_pt.js";
import type { RuleLanguage } from "./schema.ts";

export const STEMMERS: Readonly<Record<RuleLanguage, (word: string) => string>> = {
  en: (w) => en.stem(w),
  de: (w) => de.stem(w),
  es: (w) => es.stem(w),
  fr: (w) => fr.stem(w),
  pt: (w) => pt.stem(w),
};
