import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bundledVocab } from "../src/m2/vocab.ts";
import { forEachWord, normalize, WordPieceTokenizer } from "../src/m2/wordpiece.ts";
import { vocabFromText } from "./vocab-text.ts";

const REFERENCE = new URL("../../shared/reference/distilbert-base-uncased/", import.meta.url);
type Vector = { text: string; ids: number[] };
const vectors: Vector[] = JSON.parse(readFileSync(new URL("tokenizer-vectors.json", REFERENCE), "utf8"));
const referenceVocab = vocabFromText(readFileSync(new URL("vocab.txt", REFERENCE), "utf8"));
const tokenizer = new WordPieceTokenizer(bundledVocab());

/** The normalized, pre-tokenized words of a text, as the tokenizer splits them. */
function preTokenize(text: string): string[] {
  const words: string[] = [];
  forEachWord(normalize(text), (word) => {
    words.push(word);
    return true;
  });
  return words;
}

/** Expected ids spelled as tokens, looked up in the reference vocab.txt. */
function ids(...tokens: string[]): number[] {
  return tokens.map((token) => {
    const id = referenceVocab.get(token);
    if (id === undefined) throw new Error(`not in vocab.txt: ${token}`);
    return id;
  });
}

describe("reference vectors (Hugging Face distilbert-base-uncased)", () => {
  it("has the 66 vectors, a few longer than 128 ids", () => {
    expect(vectors).toHaveLength(66);
    expect(vectors.filter((v) => v.ids.length > 128).length).toBeGreaterThan(3);
  });

  it.each(vectors.map((v, i) => [i, JSON.stringify(v.text).slice(0, 50), v] as const))(
    "vector %i %s gives the reference ids without truncation",
    (_i, _label, vector) => {
      const encoding = tokenizer.encode(vector.text, { maxLength: null });
      expect(encoding.inputIds).toEqual(vector.ids);
      expect(encoding.attentionMask).toEqual(vector.ids.map(() => 1));
    },
  );

  it("gives the same ids with vocab.txt as with the bundled vocab", () => {
    const fromText = new WordPieceTokenizer(referenceVocab);
    for (const vector of vectors) expect(fromText.encode(vector.text, { maxLength: null }).inputIds).toEqual(vector.ids);
  });
});

describe("truncation", () => {
  const long = vectors.filter((v) => v.ids.length > 16);

  it.each([16, 128])("keeps the first maxLength - 1 ids and ends with [SEP] at %i", (maxLength) => {
    for (const vector of long) {
      const expected =
        vector.ids.length > maxLength ? [...vector.ids.slice(0, maxLength - 1), 102] : vector.ids;
      const encoding = tokenizer.encode(vector.text, { maxLength });
      expect(encoding.inputIds).toEqual(expected);
      expect(encoding.attentionMask).toHaveLength(expected.length);
    }
  });

  it("defaults to 128", () => {
    const vector = vectors.find((v) => v.ids.length > 128)!;
    expect(tokenizer.encode(vector.text).inputIds).toEqual([...vector.ids.slice(0, 127), 102]);
  });

  it("leaves a text of exactly maxLength ids untouched", () => {
    const vector = vectors.find((v) => v.text === "Hello, World!")!;
    expect(tokenizer.encode(vector.text, { maxLength: vector.ids.length }).inputIds).toEqual(vector.ids);
    expect(tokenizer.encode(vector.text, { maxLength: vector.ids.length - 1 }).inputIds).toEqual([
      ...vector.ids.slice(0, vector.ids.length - 2),
      102,
    ]);
  });

  it("keeps only [CLS] [SEP] at maxLength 2 and rejects shorter or fractional lengths", () => {
    expect(tokenizer.encode("server down", { maxLength: 2 }).inputIds).toEqual([101, 102]);
    for (const maxLength of [1, 0, -5, 2.5, Number.NaN]) {
      expect(() => tokenizer.encode("x", { maxLength })).toThrow(RangeError);
    }
  });
});

describe("encodeBatch", () => {
  it("pads every row to the longest with [PAD] = 0 and mask 0, row-major", () => {
    const batch = tokenizer.encodeBatch(["Hello, World!", "", "Server is down, need help ASAP"]);
    const hello = [101, 7592, 1010, 2088, 999, 102];
    const server = [101, 8241, 2003, 2091, 1010, 2342, 2393, 17306, 2361, 102];
    expect(batch.dims).toEqual([3, 10]);
    expect(Array.from(batch.inputIds, Number)).toEqual([
      ...hello, 0, 0, 0, 0,
      101, 102, 0, 0, 0, 0, 0, 0, 0, 0,
      ...server,
    ]);
    expect(Array.from(batch.attentionMask, Number)).toEqual([
      1, 1, 1, 1, 1, 1, 0, 0, 0, 0,
      1, 1, 0, 0, 0, 0, 0, 0, 0, 0,
      1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ]);
    expect(batch.inputIds).toBeInstanceOf(BigInt64Array);
  });

  it("truncates each row before padding", () => {
    const long = vectors.find((v) => v.ids.length > 128)!;
    const batch = tokenizer.encodeBatch([long.text, "Hello, World!"], 16);
    expect(batch.dims).toEqual([2, 16]);
    expect(Array.from(batch.inputIds.subarray(0, 16), Number)).toEqual([...long.ids.slice(0, 15), 102]);
    expect(Array.from(batch.attentionMask.subarray(16), Number)).toEqual([...Array(6).fill(1), ...Array(10).fill(0)]);
  });

  it("gives an empty [0, 0] batch for no texts", () => {
    const batch = tokenizer.encodeBatch([]);
    expect(batch.dims).toEqual([0, 0]);
    expect(batch.inputIds).toHaveLength(0);
  });
});

describe("WordPiece", () => {
  it("makes a 101-character word one [UNK] but splits a 100-character one", () => {
    expect(tokenizer.encode("a".repeat(101)).inputIds).toEqual([101, 100, 102]);
    const hundred = tokenizer.encode("a".repeat(100), { maxLength: null }).inputIds;
    expect(hundred).not.toContain(100);
    const tokens = new Map([...referenceVocab].map(([token, id]) => [id, token]));
    const pieces = hundred.slice(1, -1).map((id) => tokens.get(id)!);
    expect(pieces.map((p) => p.replace(/^##/, "")).join("")).toBe("a".repeat(100));
    expect(pieces.slice(1).every((p) => p.startsWith("##"))).toBe(true);
  });

  it("makes the whole word [UNK] when any stretch of it cannot be matched", () => {
    expect(tokenizer.encode("server🚀down").inputIds).toEqual([101, 100, 102]);
    expect(tokenizer.encode("server 🚀 down").inputIds).toEqual([101, ...ids("server"), 100, ...ids("down"), 102]);
  });

  it("takes the longest matching piece first", () => {
    expect(tokenizer.encode("unaffable").inputIds).toEqual([101, ...ids("una", "##ffa", "##ble"), 102]);
  });
});

describe("special tokens in the raw text", () => {
  it("maps a literal [SEP] to its id even inside a word, as Hugging Face does", () => {
    expect(tokenizer.encode("a[SEP]b").inputIds).toEqual([101, ...ids("a"), 102, ...ids("b"), 102]);
    expect(tokenizer.encode("[MASK] [UNK]").inputIds).toEqual([101, 103, 100, 102]);
  });

  it("leaves a lower-case [sep] to the normal pipeline", () => {
    expect(tokenizer.encode("[sep]").inputIds).toEqual([101, ...ids("[", "sep", "]"), 102]);
  });

  it("counts special tokens towards truncation", () => {
    expect(tokenizer.encode("a [SEP] b c", { maxLength: 4 }).inputIds).toEqual([101, ...ids("a"), 102, 102]);
  });
});

describe("normalize and preTokenize", () => {
  it("drops control and format characters and U+FFFD, keeps tab/newline as spaces", () => {
    expect(normalize("a\u0000b\u0007c\u200Bd\uFFFDe\u00ADf")).toBe("abcdef");
    expect(normalize("a\u000Bb\u000Cc\u0085d")).toBe("abcd");
    expect(normalize("a\tb\nc\r\nd\u00A0e\u3000f")).toBe("a b c  d e f");
  });

  it("strips accents after NFD and lower-cases", () => {
    expect(normalize("Ünïcödé ÇA")).toBe("unicode ca");
    expect(normalize("İstanbul")).toBe("istanbul");
  });

  it("lower-cases a final capital sigma to σ, not ς, as Rust does char by char", () => {
    expect(normalize("ΟΔΟΣ")).toBe("οδοσ");
  });

  it("isolates CJK ideographs and punctuation, keeps kana and hangul words whole", () => {
    // Hangul syllables come out of NFD as jamo; Hugging Face matches on those too.
    const hangulJamo = "\u1112\u1161\u11AB\u1100\u116E\u11A8\u110B\u1165";
    expect(preTokenize("中文abc テキスト 한국어")).toEqual(["中", "文", "abc", "テキスト", hangulJamo]);
    expect(preTokenize("don't $5+tax ¿qué?")).toEqual(["don", "'", "t", "$", "5", "+", "tax", "¿", "que", "?"]);
  });

  it("splits on every whitespace run and drops empty words", () => {
    expect(preTokenize("  a \t\n b  ")).toEqual(["a", "b"]);
    expect(preTokenize("")).toEqual([]);
  });
});
