/**
 * RFC 4180 CSV parsing. Plain function, runtime-neutral (Node and workerd).
 *
 * Accepted input: quoted fields holding commas, doubled quotes ("") and real
 * line breaks; CRLF, LF or lone CR record separators; an optional UTF-8 BOM;
 * an optional final line break. An unquoted field keeps any stray quote
 * literally (as most exporters expect); a quoted field followed by anything
 * other than a separator is an error, because silently gluing text to it
 * would shift every later column of the row.
 */

const QUOTE = 34; // "
const COMMA = 44; // ,
const CR = 13;
const LF = 10;
const BOM = 0xfeff;

export class CsvError extends Error {
  override name = "CsvError";
}

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === BOM ? 1 : 0;
  if (i >= n) return rows;

  let row: string[] = [];
  for (;;) {
    let field: string;
    if (text.charCodeAt(i) === QUOTE) {
      // indexOf jumps over long quoted bodies far faster than a per-char loop.
      let start = i + 1;
      field = "";
      for (;;) {
        const close = text.indexOf('"', start);
        if (close < 0) throw new CsvError(`unterminated quoted field starting on line ${lineAt(text, i)}`);
        if (text.charCodeAt(close + 1) === QUOTE) {
          field += text.slice(start, close + 1);
          start = close + 2;
          continue;
        }
        field += text.slice(start, close);
        i = close + 1;
        break;
      }
      const next = text.charCodeAt(i);
      if (i < n && next !== COMMA && next !== CR && next !== LF) {
        throw new CsvError(`unexpected character after closing quote on line ${lineAt(text, i)}`);
      }
    } else {
      const start = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === COMMA || c === CR || c === LF) break;
        i++;
      }
      field = text.slice(start, i);
    }
    row.push(field);

    if (i >= n) {
      rows.push(row);
      return rows;
    }
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i++; // a comma at the very end still opens one empty last field
      continue;
    }
    // CR, LF or CRLF ends the record.
    i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
    rows.push(row);
    row = [];
    if (i >= n) return rows; // final line break: no phantom empty record
  }
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let k = text.indexOf("\n"); k >= 0 && k < index; k = text.indexOf("\n", k + 1)) line++;
  return line;
}
