import { describe, expect, it } from "vitest";
import { normalize, WordPieceTokenizer } from "./wordpiece.ts";
import { vocabFromText } from "./vocab.ts";

describe("WordPiece casing (tokenizer.lowercase of the encoder manifest)", () => {
  const vocab = vocabFromText("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nHello\ncafe\nCafé\n");

  it("lower-cases and strips accents by default, as every uncased BERT", () => {
    expect(normalize("Ünïcödé ÇA")).toBe("unicode ca");
    expect(new WordPieceTokenizer(vocab).encode("Hello Café").inputIds).toEqual([2, 4, 6, 3]);
  });

  it("keeps case and accents for a cased vocabulary, still cleaning control characters", () => {
    expect(normalize("Ünïcödé ÇA\u0000", false)).toBe("Ünïcödé ÇA");
    expect(normalize("ABC\u0007", false)).toBe("ABC");
    expect(new WordPieceTokenizer(vocab, { lowercase: false }).encode("Hello Café").inputIds).toEqual([2, 5, 7, 3]);
  });
});
