/**
 * Builds a Worker exactly as `wrangler deploy` would upload it (`wrangler deploy --dry-run
 * --outdir`), for the two places that need the real bundle rather than the sources:
 * - the bundle-size check (dev/bundle-size.test.ts): the API Worker must stay under the Free
 *   plan's 3 MiB gzipped and carry no onnxruntime;
 * - the test suite's consumer Worker (test/global-setup.ts → vitest.config.ts), which
 *   vitest-pool-workers can only run beside the Worker under test as pre-built modules.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { REPO_ROOT } from "../dataset/load.ts";

export { CONSUMER_CONFIG_PATH, WRANGLER_CONFIG_PATH as API_CONFIG_PATH } from "./wrangler-config.ts";
const WRANGLER_BIN = resolve(REPO_ROOT, "node_modules/wrangler/bin/wrangler.js");

export interface BundleModule {
  /** File name inside `dir`, as the bundle imports it. */
  name: string;
  type: "ESModule" | "CompiledWasm" | "Text" | "Data";
  bytes: number;
  gzipBytes: number;
}

export interface WorkerBundle {
  dir: string;
  /** The entry module first, then every module it uploads with (source maps and README left out). */
  modules: BundleModule[];
  bytes: number;
  gzipBytes: number;
}

/** `wrangler deploy --dry-run --outdir` for `configPath`; throws with wrangler's output when it fails. */
export function buildWorkerBundle(configPath: string, outDir: string = mkdtempSync(join(tmpdir(), "smart-support-bundle-"))): WorkerBundle {
  const run = spawnSync(process.execPath, [WRANGLER_BIN, "deploy", "--dry-run", "--config", configPath, "--outdir", outDir], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    // build.command (node dev/build-assets.ts) runs through the shell: same Node as this.
    env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`wrangler deploy --dry-run -c ${configPath} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  const modules = readdirSync(outDir)
    .filter((name) => !name.endsWith(".map") && name !== "README.md")
    .map((name): BundleModule => {
      const bytes = readFileSync(join(outDir, name));
      return { name, type: moduleType(name), bytes: statSync(join(outDir, name)).size, gzipBytes: gzipSync(bytes).length };
    })
    .sort((a, b) => Number(b.type === "ESModule") - Number(a.type === "ESModule") || a.name.localeCompare(b.name));
  if (modules[0]?.type !== "ESModule") throw new Error(`no entry module in ${outDir}`);
  return {
    dir: outDir,
    modules,
    bytes: modules.reduce((sum, m) => sum + m.bytes, 0),
    gzipBytes: modules.reduce((sum, m) => sum + m.gzipBytes, 0),
  };
}

function moduleType(name: string): BundleModule["type"] {
  if (name.endsWith(".wasm")) return "CompiledWasm";
  if (name.endsWith(".js") || name.endsWith(".mjs")) return "ESModule";
  if (name.endsWith(".txt") || name.endsWith(".html") || name.endsWith(".sql")) return "Text";
  return "Data";
}
