import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  root,
  plugins: [cloudflareTest({ wrangler: { configPath: fileURLToPath(new URL("../wrangler.jsonc", import.meta.url)) } })],
  test: {
    name: "bench-workerd",
    include: ["bench/m1.workerd.test.ts"],
    globalSetup: ["./bench/global-setup.ts"],
    testTimeout: 600_000,
  },
});
