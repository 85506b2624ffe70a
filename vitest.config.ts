import { cloudflareTest, getRunnerName } from "@cloudflare/vitest-plugin";
import { join } from "node:path";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { defineConfig } from "vitest/config";
import type { TestProject } from "vitest/node";
import { CONSUMER_CONFIG_PATH } from "./dev/worker-bundle.ts";

/** vitest's 5 s default is a speed margin, not a check (see the projects below). */
const TIMEOUTS = { testTimeout: 60_000, hookTimeout: 120_000 };

/**
 * A workerd project: the API Worker (wrangler.jsonc) is the Worker under test, and the consumer
 * Worker runs beside it as an auxiliary Worker, so a ticket POSTed to /v2 travels the local queue
 * to the real consumer, as deployed: its bundle is `wrangler deploy --dry-run`'s
 * (test/global-setup.ts builds it each run) and its bindings come from wrangler.consumer.jsonc,
 * read by wrangler itself. Two changes make it fit the test runtime: its STORE points at the
 * runner, which is the API Worker renamed (vitest-plugin-runner-<project>); and the Worker
 * under test also gets the MODELS bucket (same bucket name, so the same local bucket), which the
 * deployed API Worker lacks, so M2 tests can put an encoder where the consumer reads it.
 */

/**
 * The consumer's entry in tests: its bundle, unchanged, with console.log and console.info
 * muted. vitest keeps a green run quiet by capturing the Worker under test's console, but an
 * auxiliary Worker's output goes straight to the terminal (about 250 info lines per run: one
 * per mock webhook). Warnings and errors still print; CONSUMER_LOGS=1 shows everything.
 */
function quietEntry(main: string): string {
  if (process.env.CONSUMER_LOGS === "1") return `export { default } from "./${main}";`;
  return `console.log = console.info = () => {};\nexport { default } from "./${main}";`;
}
function workersProject(name: string, include: string[], exclude: string[] = []) {
  return {
    plugins: [
      cloudflareTest(({ inject }) => {
        const bundle = inject("consumerBundle");
        const { workerOptions } = unstable_getMiniflareWorkerOptions(CONSUMER_CONFIG_PATH);
        const runner = getRunnerName({ name } as TestProject);
        const durableObjects = Object.fromEntries(
          Object.entries(workerOptions.durableObjects ?? {}).map(([binding, target]) => [
            binding,
            typeof target === "string" ? target : { ...target, scriptName: runner },
          ]),
        );
        return {
          wrangler: { configPath: "./wrangler.jsonc" },
          miniflare: {
            r2Buckets: { MODELS: "smart-support-models" },
            workers: [
              {
                ...workerOptions,
                name: "smart-support-edge-consumer",
                durableObjects,
                modulesRoot: bundle.dir,
                modules: [
                  { type: "ESModule" as const, path: join(bundle.dir, "test-entry.mjs"), contents: quietEntry(bundle.modules[0]!.name) },
                  ...bundle.modules.map((m) => ({ type: m.type, path: join(bundle.dir, m.name) })),
                ],
              },
            ],
          },
        };
      }),
    ],
    test: { name, include, exclude: ["**/node_modules/**", ...exclude], ...TIMEOUTS },
  };
}

// Two runtimes, chosen by file name: `*.workerd.test.ts` beside a module and everything in
// test/ (whole-Worker tests) run inside workerd; every other `*.test.ts` runs in Node.
// bench/ runs here only for its Node unit tests; the benches have their own configs (npm run bench:*).
export default defineConfig({
  test: {
    // The root project's globalSetup runs once for every project and what it provides reaches
    // both, so one place starts (and stops) the run's own redis-server, bridge and receiver,
    // and builds the consumer Worker's bundle.
    globalSetup: ["./test/global-setup.ts"],
    // A green run prints no console output: the Worker's JSON log lines (a 503 logs a warning,
    // the consumer logs every retry) are expected there and drown out what matters. A failed
    // test still prints everything it logged. `--silent=false` shows all while debugging.
    silent: "passed-only",
    projects: [
      // vitest's 5 s default is a speed margin, not a check: the first call into a Durable
      // Object evaluates the bundled models (about 3 s alone, far more on a loaded 2-core
      // machine). A hang still fails, just later. Tests that need more say so themselves.
      workersProject("workers", ["test/**/*.test.ts", "src/**/*.workerd.test.ts"], ["test/m2-pipeline.test.ts"]),
      // Its own runtime, so its consumer's M2 has seen no ticket before the test puts an
      // encoder in R2 (a consumer that found no model believes that for 5 minutes).
      workersProject("workers-m2", ["test/m2-pipeline.test.ts"]),
      {
        test: {
          name: "node",
          environment: "node",
          include: ["{src,training,models,dataset,dev,bench,corrections}/**/*.test.ts"],
          exclude: ["**/*.workerd.test.ts", "**/node_modules/**"],
          // Same reasoning as above: training and model tests are CPU-bound and share the cores.
          ...TIMEOUTS,
        },
      },
    ],
  },
});
