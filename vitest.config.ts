import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two runtimes, chosen by file name: `*.workerd.test.ts` beside a module and everything in
// test/ (whole-Worker tests) run inside workerd; every other `*.test.ts` runs in Node.
// bench/ has its own configs and never runs here.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.jsonc" } })],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts", "src/**/*.workerd.test.ts"],
          globalSetup: ["./test/global-setup.ts"],
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          include: ["{src,training,models,dataset,dev}/**/*.test.ts"],
          exclude: ["**/*.workerd.test.ts", "**/node_modules/**"],
        },
      },
    ],
  },
});
