import { describe, expect, it } from "vitest";
import { ticketUrgency, URGENCY_HIGH, URGENCY_NORMAL, urgencyOf } from "./urgency.ts";

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

  it("reports each keyword once, in order of appearance", () => {
    expect(urgencyOf("Error! error again, then outage and ERROR").matchedKeywords).toEqual(["error", "outage"]);
  });

  it("looks at subject and body", () => {
    expect(ticketUrgency("URGENT: VPN", "please help").urgency_level).toBe(URGENCY_HIGH);
    expect(ticketUrgency("Question", "the system is down").urgency_level).toBe(URGENCY_HIGH);
    expect(ticketUrgency("Question", "about invoices").urgency_level).toBe(URGENCY_NORMAL);
  });
});
