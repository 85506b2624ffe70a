// The workerd half of `npm run bench:m2` (bench/m2-report.ts starts it). Separate from
// bench/vitest.config.ts so bench:m1 never runs the minutes-long M2 bench, and never part of
// `npm test` (the root config never includes bench/). bench/bench-configs.ts checks that each
// bench/*.workerd.test.ts belongs to exactly one bench config.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  root,
  plugins: [cloudflareTest({ wrangler: { configPath: fileURLToPath(new URL("../wrangler.jsonc", import.meta.url)) } })],
  test: {
    name: "bench-m2-workerd",
    include: ["bench/m2.workerd.test.ts"],
    globalSetup: ["./bench/global-setup.ts", "./bench/m2.global-setup.ts"],
    testTimeout: 900_000,
    hookTimeout: 120_000,
  },
});
