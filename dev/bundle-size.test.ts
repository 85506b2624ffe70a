// The API Worker must fit the Workers Free plan: 3 MiB per Worker after compression (Cloudflare's
// "Worker size" limit; Paid allows 10 MiB), so a team that serves only /v1 never needs Paid.
// It holds once the API Worker bundles no onnxruntime (its wasm alone is 13.6 MiB raw, 4.3 MiB
// gzipped); this builds both Workers as `wrangler deploy` would and checks the API Worker's
// bundle, module by module. Sizes are bytes of the upload, not timings, so nothing here
// depends on the machine's speed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { API_CONFIG_PATH, buildWorkerBundle, CONSUMER_CONFIG_PATH, type WorkerBundle } from "./worker-bundle.ts";

const FREE_PLAN_LIMIT = 3 * 1024 * 1024;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
/** One line on stderr even in a green run (vitest keeps console output of passing tests quiet). */
const report = (line: string) => process.stderr.write(`[bundle size] ${line}\n`);
const describeBundle = (label: string, b: WorkerBundle) =>
  `${label}: ${kib(b.bytes)} raw, ${kib(b.gzipBytes)} gzipped (${b.modules.map((m) => `${m.name} ${kib(m.gzipBytes)}`).join(", ")})`;

describe("Worker bundles", () => {
  it("keeps the API Worker under 3 MiB gzipped, with no onnxruntime in it", () => {
    const bundle = buildWorkerBundle(API_CONFIG_PATH);
    report(describeBundle("API Worker", bundle));
    expect(bundle.gzipBytes).toBeLessThan(FREE_PLAN_LIMIT);
    expect(bundle.modules.map((m) => m.type)).toEqual(["ESModule"]);
    const code = readFileSync(join(bundle.dir, bundle.modules[0]!.name), "utf8");
    // Module paths esbuild leaves in its comments, and the ORT API's own identifiers.
    expect(code).not.toMatch(/node_modules\/onnxruntime-web|src\/m2\/(load|ort-workerd|isolate|encoder)\.ts|InferenceSession/);
  }, 300_000);

  it("puts onnxruntime in the consumer Worker (its size shown beside the API's)", () => {
    const bundle = buildWorkerBundle(CONSUMER_CONFIG_PATH);
    report(describeBundle("consumer Worker", bundle));
    expect(bundle.modules.some((m) => m.type === "CompiledWasm" && /ort-wasm/.test(m.name))).toBe(true);
    const code = readFileSync(join(bundle.dir, bundle.modules[0]!.name), "utf8");
    expect(code).toMatch(/InferenceSession/);
  }, 300_000);
});
