/**
 * `npm run dataset:fetch`: downloads the full 28,587-row ticket file from the
 * Hugging Face hub into dataset/data/ (gitignored; licence CC BY-NC 4.0).
 * HF_ENDPOINT (mirror) and HF_TOKEN follow huggingface_hub's conventions.
 */
import { fileURLToPath } from "node:url";
import { downloadVerified, type DownloadResult } from "./download.ts";
import { FULL_DATASET_NAME, FULL_DATASET_PATH } from "./load.ts";

export const DATASET_REPO = "Tobi-Bueck/customer-support-tickets";
export const DATASET_SHA256 = "f187c090e59581c2bbf3aa1377c8db4dd647464ecf2ae51bf8966e42e0ed6bc0";
export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

export function datasetUrl(endpoint: string = DEFAULT_HF_ENDPOINT): string {
  return `${endpoint.replace(/\/+$/, "")}/datasets/${DATASET_REPO}/resolve/main/${FULL_DATASET_NAME}`;
}

export type FetchDatasetOptions = {
  env?: Record<string, string | undefined>;
  /** Injectable so tests can serve a small file; defaults are the real ones. */
  dest?: string;
  sha256?: string;
  log?: (line: string) => void;
};

export async function fetchDataset(options: FetchDatasetOptions = {}): Promise<DownloadResult> {
  const env = options.env ?? process.env;
  const token = env.HF_TOKEN;
  return downloadVerified({
    url: datasetUrl(env.HF_ENDPOINT || DEFAULT_HF_ENDPOINT),
    dest: options.dest ?? FULL_DATASET_PATH,
    sha256: options.sha256 ?? DATASET_SHA256,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    log: options.log,
  });
}

export async function main(options: FetchDatasetOptions = {}): Promise<number> {
  try {
    const result = await fetchDataset(options);
    const verb = result.skipped ? "already present" : "downloaded";
    process.stdout.write(`${verb}: ${result.path} (${result.bytes} bytes, sha256 ${result.sha256})\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`dataset:fetch: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
