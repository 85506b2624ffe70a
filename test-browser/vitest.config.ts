// `npm run test:browser`: /docs, /redoc and /dashboard in headless Chromium against a real `wrangler dev`.
// Separate from `npm test` (the root config never includes test-browser/) because it needs a
// system Chromium and starts a whole dev server; .ci/run runs it after npm test.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  test: {
    name: "browser",
    environment: "node",
    include: ["test-browser/**/*.test.ts"],
    // Each file starts its own wrangler dev: one at a time, so they do not compete for the cores.
    fileParallelism: false,
    // Upper bounds for a hung server or browser, not expectations about speed: every wait in the
    // test is for a condition (server answering, text rendered), and these only stop a hang.
    hookTimeout: 180_000,
    testTimeout: 120_000,
  },
});
