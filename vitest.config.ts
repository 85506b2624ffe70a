import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two runtimes, chosen by file name: `*.workerd.test.ts` beside a module and everything in
// test/ (whole-Worker tests) run inside workerd; every other `*.test.ts` runs in Node.
// bench/ runs here only for its Node unit tests; the benches have their own configs (npm run bench:*).
export default defineConfig({
  test: {
    // The root project's globalSetup runs once for every project and what it provides reaches
    // both, so one place starts (and stops) the run's own redis-server, bridge and receiver.
    globalSetup: ["./test/global-setup.ts"],
    // A green run prints no console output: the Worker's JSON log lines (a 503 logs a warning,
    // the consumer logs every retry) are expected there and drown out what matters. A failed
    // test still prints everything it logged. `--silent=false` shows all while debugging.
    silent: "passed-only",
    projects: [
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.jsonc" } })],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts", "src/**/*.workerd.test.ts"],
          // vitest's 5 s default is a speed margin, not a check: the first call into a Durable
          // Object evaluates the bundled models (about 3 s alone, far more on a loaded 2-core
          // machine). A hang still fails, just later. Tests that need more say so themselves.
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          include: ["{src,training,models,dataset,dev,bench}/**/*.test.ts"],
          exclude: ["**/*.workerd.test.ts", "**/node_modules/**"],
          // Same reasoning as above: training and model tests are CPU-bound and share the cores.
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
