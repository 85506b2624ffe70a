/**
 * Each bench/*.workerd.test.ts belongs to exactly one bench vitest config. A file picked up by
 * a second config runs there without that config's globalSetup, fails, and makes the other
 * bench exit 1 although it measured what it says (bench:m1 did this when its config took
 * bench/**\/*.workerd.test.ts and the M2 benches were added). The runners call this before
 * starting vitest; bench-configs.test.ts checks the committed configs.
 */
import { readdirSync } from "node:fs";
import { matchesGlob, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../dataset/load.ts";

/** The bench configs and the npm script each belongs to. */
export const BENCH_CONFIGS = {
  "bench/vitest.config.ts": "bench:m1",
  "bench/vitest.m2.config.ts": "bench:m2",
} as const;

type TestConfig = { test?: { include?: string[]; exclude?: string[] } };

export function workerdBenchFiles(root = REPO_ROOT): string[] {
  return readdirSync(resolve(root, "bench"))
    .filter((f) => f.endsWith(".workerd.test.ts"))
    .map((f) => `bench/${f}`)
    .sort();
}

/** Files of `files` a config's include/exclude select (paths relative to the repo root). */
export function selectedBy(config: TestConfig, files: readonly string[]): string[] {
  const include = config.test?.include ?? [];
  const exclude = config.test?.exclude ?? [];
  return files.filter((f) => include.some((g) => matchesGlob(f, g)) && !exclude.some((g) => matchesGlob(f, g)));
}

/** What is wrong with how `configs` share `files` out; empty when each file has exactly one config. */
export function ownershipProblems(configs: Record<string, TestConfig>, files: readonly string[]): string[] {
  const owners = new Map(files.map((f) => [f, [] as string[]]));
  const problems: string[] = [];
  for (const [name, config] of Object.entries(configs)) {
    const selected = selectedBy(config, files);
    if (selected.length === 0) problems.push(`${name} selects no bench/*.workerd.test.ts`);
    for (const f of selected) owners.get(f)!.push(name);
  }
  for (const [file, names] of owners) {
    if (names.length === 0) problems.push(`${file} is in no bench config, so no bench runs it`);
    if (names.length > 1) problems.push(`${file} is selected by ${names.join(" and ")}: it would run without the other's setup and fail`);
  }
  return problems;
}

export async function loadBenchConfigs(root = REPO_ROOT): Promise<Record<string, TestConfig>> {
  const entries = await Promise.all(
    Object.keys(BENCH_CONFIGS).map(async (name) => [name, (await import(pathToFileURL(resolve(root, name)).href)).default as TestConfig] as const),
  );
  return Object.fromEntries(entries);
}

/** For the runners: exits 1 with the problems when the configs overlap or leave a file out. */
export async function exitUnlessConfigsSound(): Promise<void> {
  const problems = ownershipProblems(await loadBenchConfigs(), workerdBenchFiles());
  if (problems.length === 0) return;
  console.error(`bench vitest configs are wrong (${relative(process.cwd(), resolve(REPO_ROOT, "bench/bench-configs.ts"))}):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}

/**
 * The test files a vitest run actually ran and whether every one passed: a bench whose workerd
 * half did not run exactly `expected`, or failed, did not measure what it says.
 */
export function runProblems(ran: { file: string; ok: boolean }[], expected: readonly string[]): string[] {
  const files = ran.map((r) => relative(REPO_ROOT, r.file)).sort();
  const problems: string[] = [];
  if (JSON.stringify(files) !== JSON.stringify([...expected].sort())) problems.push(`ran ${files.join(", ") || "nothing"}, expected ${expected.join(", ")}`);
  for (const r of ran) if (!r.ok) problems.push(`${relative(REPO_ROOT, r.file)} failed (see the vitest output above)`);
  return problems;
}
