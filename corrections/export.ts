/**
 * npm run corrections:export -- [--url http://localhost:8787] [--out corrections.csv]
 *
 * Reads every correction of the token's tenant from GET /v1/corrections (all pages, oldest
 * first) and writes them as training rows: the CSV `train:m1 -- --corrections FILE` reads.
 * API_TOKEN (or --token) authenticates, as for every /v1 call; BASE_URL may replace --url.
 * Writes nothing unless every page was read: a half export would silently lose corrections.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CorrectionListSchema, type Correction } from "../src/schemas/corrections.ts";
import { correctionsCsv } from "./csv.ts";

export async function fetchAllCorrections(baseUrl: string, bearer: string | undefined, fetchImpl: typeof fetch = fetch): Promise<Correction[]> {
  const all: Correction[] = [];
  let cursor: string | null = null;
  do {
    const url = new URL(`${baseUrl}/v1/corrections`);
    url.searchParams.set("limit", "500");
    if (cursor) url.searchParams.set("cursor", cursor);
    const res = await fetchImpl(url, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    const text = await res.text();
    if (!res.ok) throw new Error(`GET ${url.pathname}${url.search} answered ${res.status}: ${text.slice(0, 300)}`);
    const page = CorrectionListSchema.parse(JSON.parse(text));
    all.push(...page.corrections);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: args } = parseArgs({
    options: { url: { type: "string" }, out: { type: "string", default: "corrections.csv" }, token: { type: "string" } },
  });
  const base = (args.url ?? process.env.BASE_URL ?? "http://localhost:8787").replace(/\/+$/, "");
  const token = args.token ?? process.env.API_TOKEN;
  try {
    const corrections = await fetchAllCorrections(base, token);
    await writeFile(args.out, correctionsCsv(corrections));
    console.error(`wrote ${corrections.length} correction(s) to ${args.out}`);
  } catch (error) {
    console.error(`corrections:export failed, nothing written: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
