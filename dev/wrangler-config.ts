/**
 * The two Workers' configurations (wrangler.jsonc: the API Worker; wrangler.consumer.jsonc: the
 * /v2 consumer Worker) as wrangler itself reads them, for the Node-side tools and tests that need
 * a value from them (the R2 bucket models:upload writes to, the queue settings a test compares
 * with the consumer code, the `-c` arguments that start both in one `wrangler dev`). wrangler's own reader (JSONC today, TOML if the file were ever switched
 * back) rather than a second parser, so a value can never read differently here than in the
 * deploy; it is an experimental_ export, so it is wrapped here, in one place to fix should a
 * wrangler upgrade rename it (the queue-config test fails loudly if it does).
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { experimental_readRawConfig, type Unstable_RawConfig } from "wrangler";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The API Worker's configuration; the first `-c`, so the one that serves HTTP in `wrangler dev`. */
export const WRANGLER_CONFIG_PATH = resolve(ROOT, "wrangler.jsonc");
/** The consumer Worker's configuration: queue consumers, MODELS, webhook settings. */
export const CONSUMER_CONFIG_PATH = resolve(ROOT, "wrangler.consumer.jsonc");

/**
 * `wrangler dev` arguments that run both Workers in one process, so they share the local queue,
 * the EmbeddedStore Durable Object and the local R2 bucket. API first: wrangler serves HTTP for,
 * and applies `--var` to, the first config only.
 */
export const DEV_CONFIG_ARGS = ["--config", WRANGLER_CONFIG_PATH, "--config", CONSUMER_CONFIG_PATH];

export type WranglerConfig = Unstable_RawConfig;

export function readWranglerConfig(path: string = WRANGLER_CONFIG_PATH): WranglerConfig {
  return experimental_readRawConfig({ config: path }).rawConfig;
}

/** The bucket_name bound as `binding` (by default in the consumer Worker, which reads MODELS), so scripts write where the Worker reads. */
export function r2BucketName(binding: string, config: WranglerConfig = readWranglerConfig(CONSUMER_CONFIG_PATH)): string {
  const bucket = config.r2_buckets?.find((b) => b.binding === binding)?.bucket_name;
  if (!bucket) throw new Error(`${config.name ?? "the Worker's configuration"} binds no R2 bucket as ${binding}`);
  return bucket;
}
