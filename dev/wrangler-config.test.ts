import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_OUT_DIR } from "./build-assets.ts";
import { readWranglerConfig, WRANGLER_CONFIG_PATH } from "./wrangler-config.ts";

// The promises wrangler.jsonc makes that no other test would notice breaking.
const config = readWranglerConfig() as ReturnType<typeof readWranglerConfig> & { $schema?: string };
const root = dirname(WRANGLER_CONFIG_PATH);

describe("wrangler.jsonc", () => {
  it("keeps deploys from going out without API_TOKEN", () => {
    expect(config.secrets?.required).toContain("API_TOKEN");
  });

  it("serves the folder dev/build-assets.ts fills, and runs it before dev and deploy", () => {
    expect(config.build?.command).toBe("node dev/build-assets.ts");
    const assets = resolve(root, config.assets?.directory ?? "(none)");
    expect(resolve(assets, "vendor")).toBe(DEFAULT_OUT_DIR);
  });

  it("turns on Workers Logs and validates against the installed wrangler's schema", () => {
    expect(config.observability?.enabled).toBe(true);
    expect(config.$schema).toBe("node_modules/wrangler/config-schema.json");
    expect(existsSync(resolve(root, config.$schema!))).toBe(true);
  });
});
