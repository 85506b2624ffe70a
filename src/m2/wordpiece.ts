/**
 * BERT WordPiece tokenizer, matching Hugging Face's `distilbert-base-uncased`
 * fast tokenizer id for id: BertNormalizer (clean text, CJK split, accent
 * stripping, lower-casing), BertPreTokenizer (whitespace and punctuation),
 * greedy longest-match-first WordPiece, then [CLS] … [SEP].
 *
 * Runtime-neutral (Node and workerd): the vocabulary is passed in, see vocab.ts.
 */
import type { Vocab } from "./vocab.ts";

export const DEFAULT_MAX_LENGTH = 128;
/** Longer words become a single [UNK], as in Hugging Face's WordPiece. */
export const MAX_INPUT_CHARS_PER_WORD = 100;

export interface TokenizerOptions {
  /** The vocabulary's casing (tokenizer.lowercase in models/encoders/<id>.json). Default true. */
  lowercase?: boolean;
}

export interface EncodeOptions {
  /** Total length including [CLS] and [SEP]; null keeps every token. Default 128. */
  maxLength?: number | null;
}

export interface Encoding {
  inputIds: number[];
  attentionMask: number[];
}

/** Row-major [batch, sequence] arrays, ready for onnxruntime int64 tensors. */
export interface BatchEncoding {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  dims: [batch: number, sequence: number];
}

const CONTINUATION = "##";
const SPLIT_CACHE_SIZE = 20_000;

// Character kinds seen by the pre-tokenizer after normalization.
const WORD = 0;
const SPACE = 1;
const PUNCT = 2;

/**
 * ASCII kinds in a table so the hot loop needs no regex. BERT counts every
 * non-alphanumeric printable ASCII character as punctuation (33–47, 58–64,
 * 91–96, 123–126), symbols such as `$`, `+` and `^` included.
 */
const ASCII_KIND = (() => {
  const kinds = new Uint8Array(128);
  for (const [from, to] of [[33, 47], [58, 64], [91, 96], [123, 126]] as const) {
    kinds.fill(PUNCT, from, to + 1);
  }
  for (const c of [9, 10, 13, 32]) kinds[c] = SPACE;
  return kinds;
})();

// Rust's char::is_whitespace (Unicode White_Space), which Hugging Face uses;
// U+000B, U+000C and U+0085 are also control characters and get dropped first.
const WHITESPACE = /[\t\n\r \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/gu;
const IS_WHITESPACE = /^[\t\n\r \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]$/u;
// Hugging Face drops U+0000, U+FFFD and the categories Cc, Cf and Co, but keeps
// tab, newline and carriage return as whitespace. Lone surrogates (Cs) cannot
// reach the Rust tokenizer at all; they are dropped here too.
const DROPPED = /(?![\t\n\r])[\p{Cc}\p{Cf}\p{Co}\p{Cs}\uFFFD]/gu;
const ASCII_DROPPED = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/g;
const NON_ASCII = /[^\x00-\x7F]/;
// The CJK ideograph blocks of Hugging Face's is_chinese_char (its 0x2B920
// lower bound included).
const CJK =
  /[\u4E00-\u9FFF\u3400-\u4DBF\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B920}-\u{2CEAF}\uF900-\uFAFF\u{2F800}-\u{2FA1F}]/gu;
const NONSPACING_MARK = /\p{Mn}/gu;
const IS_PUNCTUATION = /^\p{P}$/u;

/**
 * BertNormalizer with clean_text and handle_chinese_chars on, in Hugging Face's order;
 * `lowercase` (default on, as for every uncased BERT) also strips accents, which is what
 * Hugging Face does when strip_accents is left unset. A cased vocabulary passes false.
 */
export function normalize(text: string, lowercase = true): string {
  if (!NON_ASCII.test(text)) {
    const clean = text.replace(ASCII_DROPPED, "");
    return lowercase ? clean.toLowerCase() : clean;
  }
  const cleaned = text.replace(DROPPED, "").replace(WHITESPACE, " ").replace(CJK, " $& ");
  if (!lowercase) return cleaned;
  const stripped = cleaned.normalize("NFD").replace(NONSPACING_MARK, "");
  // Rust lower-cases char by char; String#toLowerCase would turn a
  // word-final capital sigma into ς, which is a different token.
  return stripped.replaceAll("Σ", "σ").toLowerCase();
}

function kindAt(text: string, index: number, width: number): number {
  const c = text.charCodeAt(index);
  if (c < 128) return ASCII_KIND[c]!;
  const char = text.slice(index, index + width);
  if (IS_PUNCTUATION.test(char)) return PUNCT;
  return IS_WHITESPACE.test(char) ? SPACE : WORD;
}

function isHighSurrogateAt(text: string, index: number): boolean {
  const c = text.charCodeAt(index);
  if (c < 0xd800 || c > 0xdbff) return false;
  const next = text.charCodeAt(index + 1);
  return next >= 0xdc00 && next <= 0xdfff;
}

/**
 * BertPreTokenizer over normalized text: splits on whitespace and isolates
 * every punctuation character. Calls `emit` per word with whether it holds
 * characters outside the BMP; stops when `emit` returns false.
 */
export function forEachWord(normalized: string, emit: (word: string, astral: boolean) => boolean): void {
  let start = -1;
  let astral = false;
  for (let i = 0; i < normalized.length; ) {
    const width = isHighSurrogateAt(normalized, i) ? 2 : 1;
    const kind = kindAt(normalized, i, width);
    if (kind === WORD) {
      if (start < 0) start = i;
      astral ||= width === 2;
    } else {
      if (start >= 0 && !emit(normalized.slice(start, i), astral)) return;
      start = -1;
      astral = false;
      if (kind === PUNCT && !emit(normalized.slice(i, i + width), width === 2)) return;
    }
    i += width;
  }
  if (start >= 0) emit(normalized.slice(start), astral);
}

function requireId(vocab: Vocab, token: string): number {
  const id = vocab.get(token);
  if (id === undefined) throw new Error(`vocabulary lacks the special token ${token}`);
  return id;
}

function checkMaxLength(maxLength: number | null): void {
  if (maxLength !== null && (!Number.isInteger(maxLength) || maxLength < 2)) {
    throw new RangeError(`maxLength must be an integer of at least 2 ([CLS] and [SEP]), got ${maxLength}`);
  }
}

export class WordPieceTokenizer {
  readonly #vocab: Vocab;
  /** Continuation pieces keyed without `##`, so lookups need no concatenation. */
  readonly #continuations: Map<string, number>;
  readonly #unkId: number;
  readonly #clsId: number;
  readonly #sepId: number;
  readonly #padId: number;
  /** Longest piece without its `##`: no longer substring can match. */
  readonly #maxPieceLength: number;
  /**
   * Hugging Face matches its special tokens in the raw text before
   * normalization, so a literal "[SEP]" in a ticket is the [SEP] id.
   */
  readonly #specialInText: RegExp;
  /** Splits of words that are not whole tokens; ticket vocabulary repeats a lot. */
  readonly #splitCache = new Map<string, readonly number[]>();

  readonly #lowercase: boolean;

  constructor(vocab: Vocab, options: TokenizerOptions = {}) {
    this.#vocab = vocab;
    this.#lowercase = options.lowercase ?? true;
    this.#unkId = requireId(vocab, "[UNK]");
    this.#clsId = requireId(vocab, "[CLS]");
    this.#sepId = requireId(vocab, "[SEP]");
    this.#padId = requireId(vocab, "[PAD]");
    this.#continuations = new Map();
    let longest = 0;
    for (const [token, id] of vocab) {
      const piece = token.startsWith(CONTINUATION) ? token.slice(CONTINUATION.length) : token;
      if (piece !== token) this.#continuations.set(piece, id);
      if (piece.length > longest) longest = piece.length;
    }
    this.#maxPieceLength = longest;
    const specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].filter((t) => vocab.has(t));
    this.#specialInText = new RegExp(specials.map((t) => t.replace(/[[\]]/g, "\\$&")).join("|"), "g");
  }

  /** [CLS] tokens [SEP], truncated to maxLength by keeping the first maxLength - 1 ids and ending with [SEP]. */
  encode(text: string, options: EncodeOptions = {}): Encoding {
    const maxLength = options.maxLength === undefined ? DEFAULT_MAX_LENGTH : options.maxLength;
    checkMaxLength(maxLength);
    const limit = maxLength === null ? Infinity : maxLength - 2;
    const inputIds = [this.#clsId, ...this.tokenIds(text, limit), this.#sepId];
    return { inputIds, attentionMask: new Array<number>(inputIds.length).fill(1) };
  }

  /** Encodes each text and pads to the longest with [PAD] (mask 0). */
  encodeBatch(texts: readonly string[], maxLength: number | null = DEFAULT_MAX_LENGTH): BatchEncoding {
    return this.pad(texts.map((text) => this.encode(text, { maxLength }).inputIds));
  }

  /** Rows of ids (each from encode()) padded to the longest with [PAD] (mask 0), in the order given. */
  pad(rows: readonly (readonly number[])[]): BatchEncoding {
    const sequence = rows.reduce((longest, row) => Math.max(longest, row.length), 0);
    const inputIds = new BigInt64Array(rows.length * sequence).fill(BigInt(this.#padId));
    const attentionMask = new BigInt64Array(rows.length * sequence);
    rows.forEach((row, r) => {
      const offset = r * sequence;
      row.forEach((id, i) => {
        inputIds[offset + i] = BigInt(id);
        attentionMask[offset + i] = 1n;
      });
    });
    return { inputIds, attentionMask, dims: [rows.length, sequence] };
  }

  /** Token ids without [CLS]/[SEP], at most `limit` of them. */
  tokenIds(text: string, limit = Infinity): number[] {
    const ids: number[] = [];
    if (!text.includes("[")) {
      this.#appendSegment(text, ids, limit);
      return ids;
    }
    let last = 0;
    for (const match of text.matchAll(this.#specialInText)) {
      this.#appendSegment(text.slice(last, match.index), ids, limit);
      if (ids.length >= limit) return ids;
      ids.push(this.#vocab.get(match[0])!);
      last = match.index + match[0].length;
    }
    this.#appendSegment(text.slice(last), ids, limit);
    return ids;
  }

  #appendSegment(segment: string, ids: number[], limit: number): void {
    if (ids.length >= limit) return;
    forEachWord(normalize(segment, this.#lowercase), (word, astral) => {
      this.#appendWord(word, astral, ids, limit);
      return ids.length < limit;
    });
  }

  #appendWord(word: string, astral: boolean, ids: number[], limit: number): void {
    const whole = this.#vocab.get(word);
    if (whole !== undefined) {
      ids.push(whole);
      return;
    }
    let pieces = this.#splitCache.get(word);
    if (pieces === undefined) {
      // Dropping everything on overflow keeps memory bounded in a long-lived
      // isolate without the bookkeeping of an LRU.
      if (this.#splitCache.size >= SPLIT_CACHE_SIZE) this.#splitCache.clear();
      pieces = this.#split(word, astral);
      this.#splitCache.set(word, pieces);
    }
    for (const id of pieces) {
      if (ids.length >= limit) return;
      ids.push(id);
    }
  }

  /** Greedy longest-match-first pieces of a word that is not itself a token. */
  #split(word: string, astral: boolean): readonly number[] {
    // Astral characters are two UTF-16 units but one character to WordPiece.
    const chars = astral ? Array.from(word) : null;
    const length = chars ? chars.length : word.length;
    if (length > MAX_INPUT_CHARS_PER_WORD) return [this.#unkId];
    const pieces: number[] = [];
    for (let start = 0; start < length; ) {
      let end = Math.min(length, start + this.#maxPieceLength);
      let id: number | undefined;
      for (; end > start; end--) {
        const piece = chars ? chars.slice(start, end).join("") : word.slice(start, end);
        id = start > 0 ? this.#continuations.get(piece) : this.#vocab.get(piece);
        if (id !== undefined) break;
      }
      // One unmatchable stretch makes the whole word unknown.
      if (id === undefined) return [this.#unkId];
      pieces.push(id);
      start = end;
    }
    return pieces;
  }
}
