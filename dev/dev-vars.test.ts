import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import { unstable_getVarsForDev } from "wrangler";
import type { ApiEnv } from "../src/env.ts";
import { authNotice, localDevSettings, OPTIONAL_SECRETS } from "./dev-vars.ts";

// A config shaped like wrangler.jsonc in the parts that matter here, in a folder of its own so
// the project's .dev.vars (if a developer has one) cannot change the outcome.
let dir: string;
let configPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "dev-vars-"));
  configPath = join(dir, "wrangler.jsonc");
  writeFileSync(
    configPath,
    `{ "name": "t", "main": "index.ts", "compatibility_date": "2026-11-01",
       "secrets": { "required": ["API_TOKEN"] } } // as in wrangler.jsonc`,
  );
  // wrangler adds process.env to the required secrets it loads: keep the developer's out.
  vi.stubEnv("API_TOKEN", undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});
const devVars = (text: string) => writeFileSync(join(dir, ".dev.vars"), text);

describe("local dev settings with secrets.required", () => {
  it("lists exactly the optional secrets src/env.ts adds to the API Worker's generated Env", () => {
    expectTypeOf<(typeof OPTIONAL_SECRETS)[number]>().toEqualTypeOf<Exclude<keyof ApiEnv, keyof WranglerEnv>>();
  });

  it("wrangler itself drops optional secrets from .dev.vars (else this workaround can go)", () => {
    devVars("UPSTASH_REDIS_REST_URL=http://127.0.0.1:8079\n");
    const loaded = unstable_getVarsForDev(configPath, undefined, {}, undefined, true, { required: ["API_TOKEN"] });
    expect(loaded).not.toHaveProperty("UPSTASH_REDIS_REST_URL");
  });

  it("passes on the optional secrets wrangler drops, and nothing else", () => {
    // WEBHOOK_SECRET belongs to the consumer Worker, which loads .dev.vars itself.
    devVars("API_TOKEN=t0ken\nUPSTASH_REDIS_REST_URL=http://127.0.0.1:8079\nV2_SWEEP_AFTER_SECONDS=120\nWEBHOOK_SECRET=s\nSOMETHING_ELSE=x\nWEBHOOK_THRESHOLD=0.5\n");
    const settings = localDevSettings({ configPath });
    expect(settings.forwarded).toEqual({ UPSTASH_REDIS_REST_URL: "http://127.0.0.1:8079", V2_SWEEP_AFTER_SECONDS: "120" });
    expect(settings.varArgs).toEqual(["--var", "UPSTASH_REDIS_REST_URL:http://127.0.0.1:8079", "--var", "V2_SWEEP_AFTER_SECONDS:120"]);
    expect(settings.apiToken).toBe(true);
  });

  it("leaves a setting the user passes with --var to them", () => {
    devVars("UPSTASH_REDIS_REST_URL=http://127.0.0.1:8079\nUPSTASH_REDIS_REST_TOKEN=tok\n");
    const settings = localDevSettings({ configPath, args: ["--var", "UPSTASH_REDIS_REST_URL:http://elsewhere"] });
    expect(settings.forwarded).toEqual({ UPSTASH_REDIS_REST_TOKEN: "tok" });
  });

  it("reads --env-file instead of .dev.vars when given", () => {
    devVars("V2_RETENTION_SECONDS=100\n");
    writeFileSync(join(dir, "other.env"), "V2_RETENTION_SECONDS=200\nAPI_TOKEN=t\n");
    const settings = localDevSettings({ configPath, args: [`--env-file=${join(dir, "other.env")}`] });
    expect(settings.forwarded).toEqual({ V2_RETENTION_SECONDS: "200" });
    expect(settings.apiToken).toBe(true);
  });

  it("says the API is open when no API_TOKEN reaches the Worker", () => {
    devVars("UPSTASH_REDIS_REST_URL=http://127.0.0.1:8079\n");
    const settings = localDevSettings({ configPath });
    expect(settings.apiToken).toBe(false);
    expect(authNotice(settings)).toMatch(/API_TOKEN is not set.*OPEN/);
    expect(localDevSettings({ configPath, args: ["--var", "API_TOKEN:x"] }).apiToken).toBe(true);
  });

  it("counts an API_TOKEN from the environment, as wrangler does with secrets declared", () => {
    vi.stubEnv("API_TOKEN", "from-env");
    expect(localDevSettings({ configPath }).apiToken).toBe(true);
    expect(authNotice({ apiToken: true })).toMatch(/require `Authorization: Bearer/);
  });
});
