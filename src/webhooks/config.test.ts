import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_TIMEOUT_MS,
  shouldNotify,
  webhookConfig,
  WebhookConfigError,
  type WebhookEnv,
} from "./config.ts";

const SLACK = "https://hooks.slack.com/services/T000/B000/XXXX";
const DISCORD = "https://discord.com/api/webhooks/123/abc";

describe("webhookConfig", () => {
  it("defaults to mock mode, generic format, 0.8 threshold, unsigned", () => {
    expect(webhookConfig({})).toEqual({
      url: null,
      format: "generic",
      secret: null,
      threshold: 0.8,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
    });
    expect(DEFAULT_TIMEOUT_MS).toBe(5000);
    expect(DEFAULT_MAX_ATTEMPTS).toBe(3);
  });

  it.each<[string, WebhookEnv, { url: string | null; format: string }]>([
    ["blank URL is mock mode", { WEBHOOK_URL: "  " }, { url: null, format: "generic" }],
    ["Slack host", { WEBHOOK_URL: SLACK }, { url: SLACK, format: "slack" }],
    ["Discord webhook path", { WEBHOOK_URL: DISCORD }, { url: DISCORD, format: "discord" }],
    ["legacy discordapp.com", { WEBHOOK_URL: "https://discordapp.com/api/webhooks/1/x" }, { url: "https://discordapp.com/api/webhooks/1/x", format: "discord" }],
    ["versioned Discord API path", { WEBHOOK_URL: "https://discord.com/api/v10/webhooks/1/x" }, { url: "https://discord.com/api/v10/webhooks/1/x", format: "discord" }],
    ["Discord host without webhook path", { WEBHOOK_URL: "https://discord.com/channels/1" }, { url: "https://discord.com/channels/1", format: "generic" }],
    ["look-alike host", { WEBHOOK_URL: "https://hooks.slack.com.evil.test/x" }, { url: "https://hooks.slack.com.evil.test/x", format: "generic" }],
    ["other host", { WEBHOOK_URL: "http://127.0.0.1:9000/hook" }, { url: "http://127.0.0.1:9000/hook", format: "generic" }],
    ["explicit format wins over the URL", { WEBHOOK_URL: SLACK, WEBHOOK_FORMAT: "generic" }, { url: SLACK, format: "generic" }],
    ["explicit format is case-insensitive", { WEBHOOK_URL: "https://example.test/x", WEBHOOK_FORMAT: " Discord " }, { url: "https://example.test/x", format: "discord" }],
    ["explicit format applies in mock mode", { WEBHOOK_FORMAT: "slack" }, { url: null, format: "slack" }],
    ["empty format means sniff", { WEBHOOK_URL: SLACK, WEBHOOK_FORMAT: "" }, { url: SLACK, format: "slack" }],
  ])("%s", (_name, env, expected) => {
    const cfg = webhookConfig(env);
    expect({ url: cfg.url, format: cfg.format }).toEqual(expected);
  });

  it.each([
    ["0", 0],
    ["1", 1],
    ["0.5", 0.5],
    [" .9 ", 0.9],
    ["1.0", 1],
    ["", 0.8],
  ])("threshold %j parses to %d", (raw, expected) => {
    expect(webhookConfig({ WEBHOOK_THRESHOLD: raw }).threshold).toBe(expected);
  });

  it.each(["abc", "1.5", "-0.1", "NaN", "Infinity", "0x1", "1e-1", "0.8.1"])("rejects threshold %j naming the variable", (raw) => {
    const error = catchError(() => webhookConfig({ WEBHOOK_THRESHOLD: raw }));
    expect(error).toBeInstanceOf(WebhookConfigError);
    expect((error as WebhookConfigError).variable).toBe("WEBHOOK_THRESHOLD");
    expect((error as Error).message).toContain("WEBHOOK_THRESHOLD");
    expect((error as Error).message).toContain(raw);
  });

  it.each(["ftp://example.test/hook", "javascript:alert(1)", "not a url", "hooks.slack.com/services/x"])(
    "rejects WEBHOOK_URL %j without echoing it",
    (raw) => {
      const error = catchError(() => webhookConfig({ WEBHOOK_URL: raw }));
      expect(error).toBeInstanceOf(WebhookConfigError);
      expect((error as WebhookConfigError).variable).toBe("WEBHOOK_URL");
      // Real webhook URLs carry their token in the path: it must not reach logs.
      expect((error as Error).message).not.toContain(raw);
    },
  );

  it("rejects an unknown format", () => {
    const error = catchError(() => webhookConfig({ WEBHOOK_FORMAT: "teams" }));
    expect(error).toBeInstanceOf(WebhookConfigError);
    expect((error as Error).message).toMatch(/WEBHOOK_FORMAT must be one of slack, discord, generic \(got "teams"\)/);
  });

  it("keeps a non-empty secret and drops an empty one", () => {
    expect(webhookConfig({ WEBHOOK_SECRET: "s3cret" }).secret).toBe("s3cret");
    expect(webhookConfig({ WEBHOOK_SECRET: "" }).secret).toBeNull();
  });
});

describe("shouldNotify", () => {
  it("is strictly greater than the threshold", () => {
    const cfg = webhookConfig({});
    expect(shouldNotify(cfg, 0.81)).toBe(true);
    expect(shouldNotify(cfg, 0.8)).toBe(false);
    expect(shouldNotify(cfg, 0.2)).toBe(false);
    expect(shouldNotify(cfg, Number.NaN)).toBe(false);
  });

  it("never fires at threshold 1 and always above 0 at threshold 0", () => {
    expect(shouldNotify(webhookConfig({ WEBHOOK_THRESHOLD: "1" }), 1)).toBe(false);
    expect(shouldNotify(webhookConfig({ WEBHOOK_THRESHOLD: "0" }), 0)).toBe(false);
    expect(shouldNotify(webhookConfig({ WEBHOOK_THRESHOLD: "0" }), 0.01)).toBe(true);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}
