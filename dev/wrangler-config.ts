/**
 * wrangler.jsonc as wrangler itself reads it, for the Node-side tools and tests that need a
 * value from it (the R2 bucket models:upload writes to, the queue settings a test compares with
 * the consumer code). wrangler's own reader (JSONC today, TOML if the file were ever switched
 * back) rather than a second parser, so a value can never read differently here than in the
 * deploy; it is an experimental_ export, so it is wrapped here, in one place to fix should a
 * wrangler upgrade rename it (the queue-config test fails loudly if it does).
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { experimental_readRawConfig, type Unstable_RawConfig } from "wrangler";

export const WRANGLER_CONFIG_PATH = resolve(fileURLToPath(new URL("..", import.meta.url)), "wrangler.jsonc");

export type WranglerConfig = Unstable_RawConfig;

export function readWranglerConfig(path: string = WRANGLER_CONFIG_PATH): WranglerConfig {
  return experimental_readRawConfig({ config: path }).rawConfig;
}

/** The bucket_name bound as `binding`, so scripts write where the Worker reads. */
export function r2BucketName(binding: string, config: WranglerConfig = readWranglerConfig()): string {
  const bucket = config.r2_buckets?.find((b) => b.binding === binding)?.bucket_name;
  if (!bucket) throw new Error(`${WRANGLER_CONFIG_PATH} binds no R2 bucket as ${binding}`);
  return bucket;
}
