/**
 * BERT's vocab.txt, the reference the bundled vocabulary (src/m2/vocab.ts) is
 * checked against; the Worker never reads it.
 */
import type { Vocab } from "../src/m2/vocab.ts";

/**
 * Parses BERT's vocab.txt: one token a line, the id being the line number.
 * Trailing whitespace is trimmed as Hugging Face does when it reads the file.
 */
export function vocabFromText(text: string): Vocab {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const vocab = new Map<string, number>();
  lines.forEach((line, id) => vocab.set(line.trimEnd(), id));
  return vocab;
}
