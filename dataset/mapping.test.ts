import { describe, expect, it } from "vitest";
import { DEFAULT_MAPPING } from "../training/taxonomy.ts";
import { parseMapping } from "./mapping.ts";
import { ticketsFromCsv } from "./tickets.ts";

const CSV = "Title,Text,Team,Lang\nBill,charged twice,Money,en\nVPN,tunnel down,IT,de\nHi,hello there,Misc,en\nX,no team,,en\n";

describe("parseMapping", () => {
  it("reads columns, a queue map and a default category", () => {
    const m = parseMapping(JSON.stringify({ columns: { subject: "Title", body: "Text", label: "Team", language: "Lang" }, categories: { Money: "Billing", IT: "Technical" }, unmapped: { category: "Other" } }), "m.json");
    const { tickets, skipped } = ticketsFromCsv(CSV, m);
    expect(tickets.map((t) => [t.subject, t.category, t.language])).toEqual([
      ["Bill", "Billing", "en"],
      ["VPN", "Technical", "de"],
      ["Hi", "Other", "en"],
    ]);
    expect(skipped).toEqual({ missingQueue: 1, missingBody: 0, unmapped: 0 });
  });

  it("drops unmapped queues when asked, and counts them", () => {
    const m = parseMapping(JSON.stringify({ columns: { body: "Text", label: "Team" }, categories: { Money: "Billing", IT: "Technical" }, unmapped: "drop" }), "m.json");
    const { tickets, skipped } = ticketsFromCsv(CSV, m);
    expect(tickets.map((t) => [t.subject, t.category])).toEqual([
      ["", "Billing"],
      ["", "Technical"],
    ]);
    expect(skipped.unmapped).toBe(1);
  });

  it('uses the label column as the category with "label"', () => {
    const m = parseMapping(JSON.stringify({ columns: { body: "Text", label: "Team" }, categories: "label" }), "m.json");
    expect(ticketsFromCsv(CSV, m).tickets.map((t) => t.category)).toEqual(["Money", "IT", "Misc"]);
    expect(() => ticketsFromCsv("Text,Team\nabc,<b>\n", m)).toThrow(/data row 1: label "<b>" cannot be a category: category "<b>" must start/);
  });

  it.each([
    ["{", /m\.json: not valid JSON/],
    [JSON.stringify({ categories: "label" }), /m\.json: columns: /],
    [JSON.stringify({ columns: { body: "Text" }, categories: "label" }), /m\.json: columns\.label: /],
    [JSON.stringify({ columns: { body: "Text", label: "Team", queue: "x" }, categories: "label" }), /m\.json: columns: .*queue/],
    [JSON.stringify({ columns: { body: "Text", label: "Team" }, categories: { Money: "Billing" } }), /m\.json: unmapped: required with a category map/],
    [JSON.stringify({ columns: { body: "Text", label: "Team" }, categories: "label", unmapped: "drop" }), /m\.json: unmapped: has no meaning/],
    [JSON.stringify({ columns: { body: "Text", label: "Team" }, categories: { Money: "accuracy" }, unmapped: "drop" }), /categories\.Money: category "accuracy" is reserved/],
    [JSON.stringify({ columns: { body: "Text", label: "Team" }, categories: { Money: "Billing" }, unmapped: { category: "" } }), /unmapped\.category: category "" must be non-empty/],
  ])("refuses %s with the file and the problem", (text, message) => {
    expect(() => parseMapping(text, "m.json")).toThrow(message);
  });

  it("names a mapped column the file lacks", () => {
    const m = parseMapping(JSON.stringify({ columns: { body: "Text", label: "Team", language: "Sprache" }, categories: "label" }), "m.json");
    expect(() => ticketsFromCsv(CSV, m)).toThrow(/lacks a "Sprache" column \(the mapping's columns\.language\)/);
  });

  it("the default mapping is the dataset's own: Billing, Legal, Technical from its ten queues", () => {
    const csv = "subject,body,queue\na,b,Billing and Payments\na,c,Returns and Exchanges\na,d,Human Resources\na,e,IT Support\n";
    expect(ticketsFromCsv(csv, DEFAULT_MAPPING).tickets.map((t) => t.category)).toEqual(["Billing", "Billing", "Legal", "Technical"]);
  });
});
