import { describe, expect, it } from "vitest";
import {
  KEYWORD_LANGUAGES,
  keywordMatcher,
  ticketUrgency,
  URGENCY_HIGH,
  URGENCY_KEYWORDS,
  URGENCY_KEYWORDS_BY_LANGUAGE,
  URGENCY_NORMAL,
  urgencyOf,
} from "./urgency.ts";

describe("urgencyOf", () => {
  it.each([
    ["Server is DOWN since 3am", "down"],
    ["We need this ASAP.", "asap"],
    ["Please respond immediately!", "immediately"],
    ["possible data breach", "breach"],
    ["payment failed twice", "failed"],
    ["Bitte dringend prüfen", "dringend"],
    ["Dringende Zugriffsstörung", "dringende"],
    ["Die Störung betrifft alle", "störung"],
    ["Der Server ist ausgefallen", "ausgefallen"],
    ["Kritische Lücke", "kritische"],
    ["Fehlermeldung beim Login", "fehlermeldung"],
    ["Bitte sofort melden", "sofort"],
    ["El servidor está caído desde ayer", "caído"],
    ["Necesito ayuda urgente", "urgente"],
    ["Respondan inmediatamente, por favor", "inmediatamente"],
    ["Fallo crítico en la base de datos", "crítico"],
    ["Lo necesitamos lo antes posible", "lo antes posible"],
    ["Urgent : accès bloqué", "urgent"],
    ["L'imprimante est en panne", "en panne"],
    ["Merci d'intervenir immédiatement", "immédiatement"],
    ["Échec de la sauvegarde", "échec"],
    ["Le site est hors service", "hors service"],
    ["O portal está fora do ar", "fora do ar"],
    ["Preciso de suporte imediatamente", "imediatamente"],
    ["Falha na sincronização", "falha"],
    ["Situação de emergência no servidor", "emergência"],
  ])("flags %j as HIGH via %j", (text, keyword) => {
    const r = urgencyOf(text);
    expect(r.urgency_level).toBe(URGENCY_HIGH);
    expect(r.keywordMatched).toBe(true);
    expect(r.matchedKeywords).toContain(keyword);
  });

  it.each([
    "I'd like to download the invoice",
    "Our errorless workflow",
    "Please update the breakdown of costs",
    "Sofortbild der Lage", // "sofort" must end the word
    "Rechnungsfehler", // compound: keyword not at the start of the word
    "Thanks, nothing pressing here",
  ])("leaves %j NORMAL (whole words only)", (text) => {
    const r = urgencyOf(text);
    expect(r.urgency_level).toBe(URGENCY_NORMAL);
    expect(r.keywordMatched).toBe(false);
    expect(r.matchedKeywords).toEqual([]);
  });

  it("treats umlauts as letters at word edges (no ASCII \\b)", () => {
    // With ASCII \b, "Ausfall" would match inside "Ausfallä" and "äAusfall".
    expect(urgencyOf("Ausfallä").keywordMatched).toBe(false);
    expect(urgencyOf("äAusfall").keywordMatched).toBe(false);
    expect(urgencyOf("über-Ausfall").matchedKeywords).toEqual(["ausfall"]);
    expect(urgencyOf("Störungen im Netz").matchedKeywords).toEqual(["störungen"]);
  });

  it("matches accented keywords whole, at Unicode word edges", () => {
    // "crític*" and "caído*" are open stems: inflections match, letters before them do not.
    expect(urgencyOf("situación crítica").matchedKeywords).toEqual(["crítica"]);
    expect(urgencyOf("servicios caídos").matchedKeywords).toEqual(["caídos"]);
    expect(urgencyOf("acríticamente").keywordMatched).toBe(false);
    // "erro" is closed: "erronea" (not a keyword) and "erroné" stay normal.
    expect(urgencyOf("uma resposta erronea").keywordMatched).toBe(false);
    // An accent is part of the word: "critica" (no accent) is not Spanish "crítica", so English
    // "criticism" cannot match through a stripped stem.
    expect(urgencyOf("some criticism of the docs").keywordMatched).toBe(false);
    // "panne" must not match inside a longer word; "échoué*" takes its inflections.
    expect(urgencyOf("panneau solaire").keywordMatched).toBe(false);
    expect(urgencyOf("les tâches ont échouées").matchedKeywords).toEqual(["échouées"]);
  });

  it("matches a decomposed accent (e + U+0301) like the precomposed keyword", () => {
    const decomposed = "Merci d'agir imme\u0301diatement";
    expect(decomposed).not.toBe(decomposed.normalize("NFC"));
    expect(urgencyOf(decomposed).matchedKeywords).toEqual(["immédiatement"]);
    // A trailing combining mark is part of the word, so it cannot end a keyword early.
    expect(urgencyOf("erro\u0301").keywordMatched).toBe(false);
  });

  it("matches multi-word keywords across any whitespace and reports them with one space", () => {
    expect(urgencyOf("le serveur est en\npanne").matchedKeywords).toEqual(["en panne"]);
    expect(urgencyOf("FORA  DO   AR").matchedKeywords).toEqual(["fora do ar"]);
    expect(urgencyOf("fora do arquivo").keywordMatched).toBe(false);
  });

  it("leaves ordinary Spanish, French and Portuguese requests NORMAL", () => {
    for (const text of [
      "Solicitud de información sobre la factura",
      "Demande d'informations sur mon abonnement",
      "Gostaria de saber o preço do plano anual",
      "Je voudrais changer mon mot de passe",
    ]) {
      expect(urgencyOf(text)).toEqual({ urgency_level: URGENCY_NORMAL, keywordMatched: false, matchedKeywords: [] });
    }
  });

  it("keeps one list per language, and matches with their union, each keyword once", () => {
    expect(KEYWORD_LANGUAGES).toEqual(["en", "de", "es", "fr", "pt"]);
    const all = Object.values(URGENCY_KEYWORDS_BY_LANGUAGE).flat();
    expect(new Set(URGENCY_KEYWORDS)).toEqual(new Set(all));
    expect(URGENCY_KEYWORDS.length).toBe(new Set(URGENCY_KEYWORDS).size);
    for (const list of Object.values(URGENCY_KEYWORDS_BY_LANGUAGE)) {
      for (const k of list) expect(k, "keywords are lower-case, NFC").toBe(k.toLowerCase().normalize("NFC"));
    }
    // Every keyword, written as listed (stems without their "*"), is flagged by the union.
    for (const k of URGENCY_KEYWORDS) expect(urgencyOf(`x ${k.replace(/\*$/, "")} x`).keywordMatched, k).toBe(true);
  });

  it("keywordMatcher scores one language's list alone", () => {
    const fr = keywordMatcher(URGENCY_KEYWORDS_BY_LANGUAGE.fr);
    expect(fr("serveur en panne, erreur 500")).toEqual(["en panne", "erreur"]);
    expect(fr("Der Server ist ausgefallen")).toEqual([]);
    expect(keywordMatcher(URGENCY_KEYWORDS_BY_LANGUAGE.de)("Der Server ist ausgefallen")).toEqual(["ausgefallen"]);
  });

  it("reports each keyword once, in order of appearance", () => {
    expect(urgencyOf("Error! error again, then outage and ERROR").matchedKeywords).toEqual(["error", "outage"]);
  });

  it("looks at subject and body", () => {
    expect(ticketUrgency("URGENT: VPN", "please help").urgency_level).toBe(URGENCY_HIGH);
    expect(ticketUrgency("Question", "the system is down").urgency_level).toBe(URGENCY_HIGH);
    expect(ticketUrgency("Question", "about invoices").urgency_level).toBe(URGENCY_NORMAL);
  });
});
