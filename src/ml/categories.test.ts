import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CATEGORIES, parseTaxonomy, sameCategories, TAXONOMY_FORMAT } from "./categories.ts";

const read = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8"));

describe("CATEGORIES", () => {
  it("are the bundled M1 artefact's classes, in its order, via taxonomy.json", () => {
    const model = read("../../models/m1/model.json") as { classes: string[] };
    const taxonomy = read("../../models/m1/taxonomy.json");
    expect([...CATEGORIES]).toEqual(model.classes);
    expect(parseTaxonomy(taxonomy)).toEqual(model.classes);
  });

  it("parseTaxonomy takes any two or more valid names, and refuses the rest naming the problem", () => {
    expect(parseTaxonomy({ format: TAXONOMY_FORMAT, classes: ["Shipping", "Accounts", "Payments", "Hardware"] })).toEqual(["Shipping", "Accounts", "Payments", "Hardware"]);
    expect(() => parseTaxonomy({ format: "other", classes: ["A", "B"] }, "t.json")).toThrow(/t\.json: format must be smart-support-taxonomy\/1/);
    expect(() => parseTaxonomy({ format: TAXONOMY_FORMAT, classes: ["A"] })).toThrow(/at least two/);
    expect(() => parseTaxonomy({ format: TAXONOMY_FORMAT, classes: ["A", "A"] })).toThrow(/distinct/);
    expect(() => parseTaxonomy({ format: TAXONOMY_FORMAT, classes: ["A", "<b>"] })).toThrow(/category "<b>" must start/);
    expect(() => parseTaxonomy({ format: TAXONOMY_FORMAT, classes: ["A", "macro avg"] })).toThrow(/reserved/);
    expect(() => parseTaxonomy({ format: TAXONOMY_FORMAT, classes: ["A", 3] })).toThrow(/must be a string/);
  });

  it("sameCategories ignores order only", () => {
    expect(sameCategories(["A", "B"], ["B", "A"])).toBe(true);
    expect(sameCategories(["A", "B"], ["A", "B", "C"])).toBe(false);
    expect(sameCategories(["A", "B"], ["A", "C"])).toBe(false);
  });
});
