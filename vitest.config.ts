import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two runtimes, chosen by file name: `*.workerd.test.ts` beside a module and everything in
// test/ (whole-Worker tests) run inside workerd; every other `*.test.ts` runs in Node.
// bench/ has its own configs and never runs here.
export default defineConfig({
  test: {
    // The root project's globalSetup runs once for every project and what it provides reaches
    // both, so one place starts (and stops) the run's own redis-server, bridge and receiver.
    globalSetup: ["./test/global-setup.ts"],
    projects: [
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts", "src/**/*.workerd.test.ts"],
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
