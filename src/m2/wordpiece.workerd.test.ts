import { describe, expect, it } from "vitest";
// Read in place from the shared folder (never copied into the repo); only the
// test needs it, the Worker itself uses the bundled vocab.
import vectors from "../../../shared/reference/distilbert-base-uncased/tokenizer-vectors.json" with { type: "json" };
import { bundledVocab } from "./vocab.ts";
import { WordPieceTokenizer } from "./wordpiece.ts";

describe("WordPiece inside workerd", () => {
  const tokenizer = new WordPieceTokenizer(bundledVocab());

  it("loads the bundled vocab without ../shared", () => {
    expect(bundledVocab().size).toBe(30_521);
    expect(bundledVocab().get("[CLS]")).toBe(101);
  });

  it.each([
    "Der Drucker funktioniert nicht – bitte dringend prüfen.",
    "日本語のテキスト 中文 한국어",
    "Zero\u200bwidth\u00a0nbsp\u2003emspace",
    "Ωmega ΣΙΓΜΑ ελληνικά кириллица",
    "emoji 🚀🔥 test 👍🏽",
  ])("gives the reference ids for %s", (text) => {
    const vector = vectors.find((v) => v.text === text);
    expect(vector).toBeDefined();
    expect(tokenizer.encode(text, { maxLength: null }).inputIds).toEqual(vector!.ids);
  });

  it("gives the reference ids for every vector, truncated to 128", () => {
    expect(vectors).toHaveLength(66);
    for (const { text, ids } of vectors) {
      const expected = ids.length > 128 ? [...ids.slice(0, 127), 102] : ids;
      expect(tokenizer.encode(text).inputIds).toEqual(expected);
    }
  });
});
