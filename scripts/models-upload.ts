/// <reference types="node" />
/**
 * `npm run models:upload [-- --bucket NAME] [--local [--persist-to DIR]] [--only NAME] [--dest DIR]`:
 * puts the M2 files from models/m2/ into the MODELS R2 bucket (smart-support-models)
 * under the manifest's keys, with `wrangler r2 object put`.
 *
 * Every selected file is checked against the manifest's sha256 before anything is
 * uploaded, so production never receives a partial or stale model; a file without
 * a pinned hash (run models:fetch first) is refused like a missing one.
 *
 * --remote (the default) writes to the Cloudflare account wrangler is logged into;
 * --local writes to the local bucket that `wrangler dev` reads (.wrangler/state, or
 * --persist-to DIR when the dev server is started with the same --persist-to).
 */
import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../dataset/load.ts";
import { fileSha256 } from "../tools/download.ts";
import { loadManifest, MANIFEST_PATH, selectFiles, type ManifestFile } from "./models-fetch.ts";

export const DEFAULT_BUCKET = "smart-support-models";
export const WRANGLER_BIN = resolve(REPO_ROOT, "node_modules/wrangler/bin/wrangler.js");

export type Target = { bucket: string; local: boolean; persistTo?: string };
export type VerifiedFile = { file: ManifestFile; path: string; bytes: number };

/** Arguments after `node`: wrangler's bin comes first so it runs on this Node (22), not the system's. */
export function putArgs(target: Target, file: ManifestFile, path: string): string[] {
  const args = [WRANGLER_BIN, "r2", "object", "put", `${target.bucket}/${file.key}`, "--file", path, "--content-type", file.contentType];
  args.push(target.local ? "--local" : "--remote");
  if (target.local && target.persistTo) args.push("--persist-to", target.persistTo);
  return args;
}

/** All problems at once, each naming its file, so one run tells what to fix. */
export async function verifyLocalFiles(files: ManifestFile[], dir: string): Promise<VerifiedFile[]> {
  const problems: string[] = [];
  const verified: VerifiedFile[] = [];
  for (const file of files) {
    const path = resolve(dir, file.dest);
    if (!file.sha256) {
      problems.push(`${file.name} (${path}): no sha256 pinned in the manifest; run npm run models:fetch first`);
      continue;
    }
    const present = await fileSha256(path);
    if (!present) problems.push(`${file.name}: ${path} is missing; run npm run models:fetch`);
    else if (present.sha256 !== file.sha256) {
      problems.push(`${file.name}: ${path} has sha256 ${present.sha256}, the manifest pins ${file.sha256}`);
    } else verified.push({ file, path, bytes: present.bytes });
  }
  if (problems.length) throw new Error(`refusing to upload:\n  ${problems.join("\n  ")}`);
  return verified;
}

export type Runner = (args: string[], cwd: string) => Promise<{ code: number; output: string }>;

/** Shows wrangler's own output (login errors, progress) live; `capture` collects it instead. */
export function wranglerRunner(capture = false): Runner {
  return (args, cwd) =>
    new Promise((done, fail) => {
      const child = spawn(process.execPath, args, {
        cwd,
        stdio: capture ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      });
      let output = "";
      child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.once("error", fail);
      child.once("close", (code) => done({ code: code ?? 1, output }));
    });
}

export type UploadOptions = {
  target: Target;
  manifestPath?: string;
  destDir?: string;
  only?: string[];
  runner?: Runner;
  /** wrangler's working folder: where it finds wrangler.toml and, with --local, .wrangler/state. */
  cwd?: string;
  log?: (line: string) => void;
};

export async function uploadModels(options: UploadOptions): Promise<VerifiedFile[]> {
  const manifestPath = options.manifestPath ?? MANIFEST_PATH;
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const runner = options.runner ?? wranglerRunner();
  const manifest = await loadManifest(manifestPath);
  const files = await verifyLocalFiles(selectFiles(manifest, options.only), options.destDir ?? dirname(manifestPath));
  const where = options.target.local ? "local" : "remote";
  for (const { file, path, bytes } of files) {
    log(`${file.name}: sha256 verified, uploading ${bytes} bytes to ${where} r2://${options.target.bucket}/${file.key}`);
    const { code, output } = await runner(putArgs(options.target, file, path), options.cwd ?? REPO_ROOT);
    if (code !== 0) throw new Error(`wrangler r2 object put for ${file.name} exited with ${code}${output ? `:\n${output.trim()}` : ""}`);
  }
  return files;
}

export async function main(argv: string[] = process.argv.slice(2), options: Omit<UploadOptions, "target" | "only" | "destDir"> = {}): Promise<number> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        bucket: { type: "string", default: DEFAULT_BUCKET },
        local: { type: "boolean", default: false },
        remote: { type: "boolean", default: false },
        "persist-to": { type: "string" },
        only: { type: "string", multiple: true },
        dest: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.local && values.remote) throw new Error("--local and --remote exclude each other");
    if (values["persist-to"] && !values.local) throw new Error("--persist-to only applies with --local");
    const target: Target = { bucket: values.bucket, local: values.local, persistTo: values["persist-to"] && resolve(values["persist-to"]) };
    const only = values.only?.flatMap((v) => v.split(",")).filter(Boolean);
    const files = await uploadModels({ ...options, target, only, destDir: values.dest ? resolve(values.dest) : undefined, log });
    log(`models:upload: ${files.length} file(s) in ${target.local ? "local" : "remote"} bucket ${target.bucket}`);
    return 0;
  } catch (error) {
    log(`models:upload: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
