import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { vocabFromText } from "./vocab-text.ts";

const VOCAB_TXT = new URL("../../shared/reference/distilbert-base-uncased/vocab.txt", import.meta.url);

describe("vocabFromText", () => {
  it("numbers lines from 0, ignores the final newline and trims CR", () => {
    expect([...vocabFromText("[PAD]\r\nhello\r\n##lo\n")]).toEqual([
      ["[PAD]", 0],
      ["hello", 1],
      ["##lo", 2],
    ]);
    expect(vocabFromText("a\nb").get("b")).toBe(1);
  });

  it("reads the full vocab.txt", () => {
    const vocab = vocabFromText(readFileSync(VOCAB_TXT, "utf8"));
    expect(vocab.size).toBe(30_522);
    expect([vocab.get("[UNK]"), vocab.get("[CLS]"), vocab.get("[SEP]"), vocab.get("[unused0]")]).toEqual([100, 101, 102, 1]);
  });
});
