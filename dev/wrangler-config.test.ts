import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { ConsumerEnv } from "../src/env.ts";
import { DEFAULT_OUT_DIR } from "./build-assets.ts";
import { CONSUMER_CONFIG_PATH, r2BucketName, readWranglerConfig, WRANGLER_CONFIG_PATH } from "./wrangler-config.ts";

// The promises the two configurations make that no other test would notice breaking.
type Config = ReturnType<typeof readWranglerConfig> & { $schema?: string };
const api = readWranglerConfig() as Config;
const consumer = readWranglerConfig(CONSUMER_CONFIG_PATH) as Config;
const root = dirname(WRANGLER_CONFIG_PATH);

/** Every binding name a configuration gives its Worker (vars included). */
function bindingNames(config: Config): string[] {
  return [
    ...(config.durable_objects?.bindings ?? []).map((b) => b.name),
    ...(config.r2_buckets ?? []).map((b) => b.binding),
    ...(config.queues?.producers ?? []).map((p) => p.binding),
    ...(config.services ?? []).map((s) => s.binding),
    ...(config.kv_namespaces ?? []).map((k) => k.binding),
    ...Object.keys(config.vars ?? {}),
  ].sort();
}

describe("wrangler.jsonc (the API Worker)", () => {
  it("keeps deploys from going out without API_TOKEN", () => {
    expect(api.secrets?.required).toContain("API_TOKEN");
  });

  it("serves the folder dev/build-assets.ts fills, and runs it before dev and deploy", () => {
    expect(api.build?.command).toBe("node dev/build-assets.ts");
    const assets = resolve(root, api.assets?.directory ?? "(none)");
    expect(resolve(assets, "vendor")).toBe(DEFAULT_OUT_DIR);
  });

  it("turns on Workers Logs and validates against the installed wrangler's schema", () => {
    for (const config of [api, consumer]) {
      expect(config.observability?.enabled).toBe(true);
      expect(config.$schema).toBe("node_modules/wrangler/config-schema.json");
      expect(existsSync(resolve(root, config.$schema!))).toBe(true);
    }
  });

  it("binds nothing of the consumer's: no MODELS, no queue consumer, no webhook setting", () => {
    expect(bindingNames(api)).toEqual(["CORRECTIONS", "ROUTER", "STORE", "TICKET_QUEUE"]);
    expect(api.queues?.consumers).toBeUndefined();
  });
});

describe("wrangler.consumer.jsonc (the /v2 consumer Worker)", () => {
  it("binds exactly what ConsumerEnv declares beyond the optional settings", () => {
    // The optional settings (Upstash, webhook URL/format/secret, V2_*) are secrets, not bindings.
    const declared = { STORE: true, MODELS: true, WEBHOOK_THRESHOLD: true } satisfies Partial<Record<keyof ConsumerEnv, true>>;
    expectTypeOf<keyof ConsumerEnv>().toEqualTypeOf<
      keyof typeof declared | "UPSTASH_REDIS_REST_URL" | "UPSTASH_REDIS_REST_TOKEN" | "V2_RETENTION_SECONDS" | "V2_SWEEP_AFTER_SECONDS" | "WEBHOOK_URL" | "WEBHOOK_FORMAT" | "WEBHOOK_SECRET" | "M2_SERVE" | "REVIEW_THRESHOLDS"
    >();
    expect(bindingNames(consumer)).toEqual(Object.keys(declared).sort());
  });

  it("reaches the API Worker's EmbeddedStore, the same class the API binds as STORE", () => {
    const store = consumer.durable_objects?.bindings?.find((b) => b.name === "STORE");
    const apiStore = api.durable_objects?.bindings?.find((b) => b.name === "STORE");
    expect(store).toEqual({ name: "STORE", class_name: apiStore?.class_name, script_name: api.name });
    // The class lives in the API Worker: only it may declare the migration.
    expect(consumer.migrations ?? []).toEqual([]);
  });

  it("is not reachable over HTTP and reads the bucket models:upload writes", () => {
    expect(consumer.workers_dev).toBe(false);
    expect(consumer.name).not.toBe(api.name);
    expect(r2BucketName("MODELS")).toBe("smart-support-models");
    expect(consumer.compatibility_date).toBe(api.compatibility_date);
    expect(consumer.compatibility_flags).toEqual(api.compatibility_flags);
  });
});
