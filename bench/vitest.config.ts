import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  root,
  plugins: [cloudflareTest({ wrangler: { configPath: fileURLToPath(new URL("../wrangler.toml", import.meta.url)) } })],
  test: {
    name: "bench-workerd",
    include: ["bench/**/*.workerd.test.ts"],
    // bench:m2 has its own config (bench/vitest.m2.config.ts): minutes of inference, not part of bench:m1.
    exclude: ["bench/m2.workerd.test.ts"],
    globalSetup: ["./bench/global-setup.ts"],
    testTimeout: 600_000,
  },
});
