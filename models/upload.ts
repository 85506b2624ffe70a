/**
 * `npm run models:upload [-- --encoder ID] [--bucket NAME] [--local [--persist-to DIR]] [--only NAME]
 *                            [--dest DIR] [--model PATH] [--ignore-heads]`:
 * puts one encoder's files (models/encoders/<id>.json, default DEFAULT_ENCODER_ID) from
 * models/m2/<id>/ (where models:fetch put them; --dest elsewhere) into the MODELS R2 bucket
 * (the bucket_name wrangler.jsonc binds as MODELS, smart-support-models) under the
 * manifest's keys (encoders/<id>/…), with `wrangler r2 object put`: the model, and its
 * vocab.txt unless the Worker bundles that vocabulary.
 *
 * Every selected file is checked against the manifest's sha256 before anything is
 * uploaded, so production never receives a partial or stale model; a file without
 * a pinned hash (run models:fetch first) is refused like a missing one.
 *
 * --model PATH uploads a model derived from the pinned one (externalized with
 * `npm run models:externalize`, vocabulary-pruned, …) in place of the manifest's
 * "model" file, under that entry's key. If PATH's `.weights.bin` (weightsKey(PATH))
 * lies beside it, the model is split and the weights go to weightsKey(<model key>),
 * the layout src/m2/model-source.ts reads. --model only replaces which file the
 * "model" entry uploads; --only still selects entries, so `--model X` alone uploads
 * vocab and X, `--only model --model X` only X, and `--only vocab --model X` is
 * refused rather than silently dropping the model the user named.
 *
 * Heads check: no manifest pin can vouch for a derived file, and a pinned file can
 * still be one the heads were not trained on. The Worker refuses heads whose
 * encoder.sha256 differs from the identity of the model it loaded (modelSha256:
 * sha256 of a single file; of both hashes for a split one) and then scores every
 * /v2 ticket with M1, with nothing failing loudly. So any model upload first
 * compares that identity with models/m2/heads.json (the heads the Worker bundles)
 * and refuses on a mismatch or unreadable heads, and on heads that name another
 * encoder id (the Worker reads encoders/<heads' id>/, so the upload would never be
 * read); --ignore-heads uploads anyway,
 * with a warning, e.g. to stage a model before deploying heads trained on it.
 * All problems (pins, missing files, heads) are reported together, before any upload.
 *
 * Order: the model's graph object is written last, after the weights key holds
 * what belongs with it — for a split model its weights are put first; for a
 * single file any weights object left by an earlier split upload is deleted
 * first, since the Worker picks the split layout by that object existing and
 * would otherwise pair the new graph with old weights. Deleting an absent key
 * succeeds (measured on the local bucket; remotely wrangler sends R2's DELETE,
 * which like S3's does not fail on an absent key), so a first upload needs no
 * special case; a "does not exist" reply is tolerated all the same.
 *
 * --remote (the default) writes to the Cloudflare account wrangler is logged into;
 * --local writes to the local bucket that `wrangler dev` reads (.wrangler/state, or
 * --persist-to DIR when the dev server is started with the same --persist-to).
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../dataset/load.ts";
import { r2BucketName } from "../dev/wrangler-config.ts";
import { weightsKey } from "../src/m2/model-source.ts";
import { headsBinding } from "../src/m2/heads.ts";
import { readEncoderFile } from "../training/encoder-file.ts";
import { fileSha256 } from "../dataset/download.ts";
import { DEFAULT_ENCODER_ID, ENCODERS_DIR, encoderDir, encoderFiles, loadEncoderManifest, selectFiles, type EncoderFile } from "./encoder-manifest.ts";

/** Read from wrangler.jsonc, so the upload goes to the bucket the deployed Worker reads. */
export const DEFAULT_BUCKET = r2BucketName("MODELS");
export const WRANGLER_BIN = resolve(REPO_ROOT, "node_modules/wrangler/bin/wrangler.js");
/** The heads the Worker bundles (src/m2/isolate.ts imports this file). */
export const HEADS_PATH = resolve(REPO_ROOT, "models/m2/heads.json");
export const WEIGHTS_CONTENT_TYPE = "application/octet-stream";

export type Target = { bucket: string; local: boolean; persistTo?: string };
export type VerifiedFile = { file: EncoderFile; path: string; bytes: number };

function targetArgs(target: Target): string[] {
  const args = [target.local ? "--local" : "--remote"];
  if (target.local && target.persistTo) args.push("--persist-to", target.persistTo);
  return args;
}

/** Arguments after `node`: wrangler's bin comes first so it runs on this Node (22), not the system's. */
export function putArgs(target: Target, file: Pick<EncoderFile, "key" | "contentType">, path: string): string[] {
  return [WRANGLER_BIN, "r2", "object", "put", `${target.bucket}/${file.key}`, "--file", path, "--content-type", file.contentType, ...targetArgs(target)];
}

export function deleteArgs(target: Target, key: string): string[] {
  return [WRANGLER_BIN, "r2", "object", "delete", `${target.bucket}/${key}`, ...targetArgs(target)];
}

async function checkLocalFiles(files: EncoderFile[]): Promise<{ verified: VerifiedFile[]; problems: string[] }> {
  const problems: string[] = [];
  const verified: VerifiedFile[] = [];
  for (const file of files) {
    const path = file.path;
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
  return { verified, problems };
}

/** A model as the Worker will load it from R2, with the identity its heads must be bound to. */
export type ModelUpload = {
  path: string;
  bytes: number;
  /** Set for a split model: the `.weights.bin` beside `path`. */
  weights?: { path: string; bytes: number };
  /** modelSha256 of graph (+ weights), as src/m2/model-source.ts computes it after reading R2. */
  sha256: string;
};

/** Read and hashed by the trainer's own readEncoderFile, so upload, training and Worker agree on the identity. */
export async function readModelUpload(path: string, split: boolean): Promise<ModelUpload> {
  const file = await readEncoderFile(path, { split });
  const weights = file.externalData?.[0]?.data;
  return {
    path: file.path,
    bytes: file.bytes.byteLength,
    weights: weights && file.weightsPath ? { path: file.weightsPath, bytes: weights.byteLength } : undefined,
    sha256: file.sha256,
  };
}

export type HeadsEncoder = { sha256: string; name: string; /** The encoder id whose R2 keys the Worker reads. */ id: string };

export async function readHeadsEncoder(path: string): Promise<HeadsEncoder> {
  let value: { encoder?: { sha256?: unknown; name?: unknown } };
  try {
    value = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read the M2 heads ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const sha256 = value?.encoder?.sha256;
  if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new Error(`the M2 heads ${path} have no encoder.sha256 of 64 lower-case hex digits`);
  }
  const name = value.encoder?.name;
  let id: string;
  try {
    // As the Worker reads it, so the upload lands where the Worker looks.
    id = headsBinding(value).encoder.id;
  } catch (error) {
    throw new Error(`the M2 heads ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { sha256, name: typeof name === "string" && name ? name : "(unnamed)", id };
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
  /** Encoder id (models/encoders/<id>.json); DEFAULT_ENCODER_ID by default. */
  encoder?: string;
  encodersDir?: string;
  /** Where models:fetch put the files; models/m2/<id>/ by default. */
  destDir?: string;
  only?: string[];
  runner?: Runner;
  /** wrangler's working folder: where it finds wrangler.jsonc and, with --local, .wrangler/state. */
  cwd?: string;
  log?: (line: string) => void;
  /** A derived model uploaded under the manifest "model" key instead of the pinned file; checked against the heads only. */
  model?: string;
  /** Heads the model must be bound to; default HEADS_PATH, the ones the Worker bundles. */
  headsPath?: string;
  /** Upload a model the heads are not bound to (or without readable heads), with a warning. */
  ignoreHeads?: boolean;
};

/** One object written to (or removed from) the bucket, in the order it happens. */
export type Step =
  | { action: "put"; name: string; key: string; path: string; bytes: number; contentType: string; note: string }
  | { action: "delete"; name: string; key: string; note: string };

export async function uploadModels(options: UploadOptions): Promise<Step[]> {
  const headsPath = options.headsPath ?? HEADS_PATH;
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const runner = options.runner ?? wranglerRunner();
  const manifest = loadEncoderManifest(options.encoder ?? DEFAULT_ENCODER_ID, options.encodersDir ?? ENCODERS_DIR);
  const files = encoderFiles(manifest, options.destDir ?? encoderDir(manifest.id));
  const selected = selectFiles(files, options.only, manifest.id);
  const modelEntry = selected.find((f) => f.name === "model");
  if (options.model && !modelEntry) {
    throw new Error(
      `--model uploads the encoder's "model" entry, which --only ${options.only?.join(",")} leaves out; drop --only, or use --only model (or --only vocab,model)`,
    );
  }

  const derived = options.model ? resolve(options.model) : undefined;
  const pinned = selected.filter((f) => !(derived && f === modelEntry));
  const { verified, problems } = await checkLocalFiles(pinned);
  const warnings: string[] = [];

  // The manifest's model is the hub's single file: only a derived model can be split.
  const modelPath = derived ?? verified.find((v) => v.file === modelEntry)?.path;
  let model: ModelUpload | undefined;
  if (modelEntry && modelPath) {
    try {
      model = await readModelUpload(modelPath, Boolean(derived));
    } catch (error) {
      problems.push(`model: cannot read ${modelPath}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  // An empty object reads as "no model" in the Worker, so it would fall back to M1 just the same.
  if (model && model.bytes === 0) problems.push(`model: ${model.path} is empty`);
  if (model?.weights?.bytes === 0) problems.push(`model: ${model.weights.path} is empty`);
  if (model) {
    const what = model.weights ? `${model.path} + ${model.weights.path}` : model.path;
    const fix = `run npm run train:m2 -- --encoder ${model.path} first (and deploy the heads it writes)`;
    try {
      const heads = await readHeadsEncoder(headsPath);
      if (heads.id !== manifest.id) {
        const other = `the heads ${headsPath} name encoder id "${heads.id}", so the Worker reads encoders/${heads.id}/, not encoder ${manifest.id}'s keys`;
        if (options.ignoreHeads) warnings.push(`model: warning, --ignore-heads: ${other}`);
        else problems.push(`model: ${other}; use --encoder ${heads.id}, or retrain the heads on ${manifest.id}; --ignore-heads uploads anyway`);
      }
      if (heads.sha256 !== model.sha256) {
        const mismatch =
          `${what} has encoder sha256 ${model.sha256}, but the heads ${headsPath} are bound to encoder "${heads.name}" (sha256 ${heads.sha256}): ` +
          `the Worker would refuse these heads and score every /v2 ticket with M1`;
        if (options.ignoreHeads) warnings.push(`model: warning, --ignore-heads: ${mismatch}; ${fix}`);
        else problems.push(`model: ${mismatch}. To fix it, ${fix}; --ignore-heads uploads anyway`);
      } else log(`model: encoder sha256 ${model.sha256} is the one the heads ${headsPath} are bound to ("${heads.name}")`);
    } catch (error) {
      const reason = `${error instanceof Error ? error.message : String(error)}, so nothing shows the Worker could use its heads with ${what}`;
      if (options.ignoreHeads) warnings.push(`model: warning, --ignore-heads: ${reason}`);
      else problems.push(`model: ${reason}; --ignore-heads uploads anyway`);
    }
  }
  if (problems.length) throw new Error(`refusing to upload:\n  ${problems.join("\n  ")}`);
  warnings.forEach((w) => log(w));

  const steps: Step[] = [];
  for (const file of selected) {
    if (file !== modelEntry) {
      const { path, bytes } = verified.find((v) => v.file === file)!;
      steps.push({ action: "put", name: file.name, key: file.key, path, bytes, contentType: file.contentType, note: "sha256 verified" });
      continue;
    }
    const m = model!;
    const weights = weightsKey(file.key);
    if (m.weights) {
      steps.push({ action: "put", name: "model weights", key: weights, path: m.weights.path, bytes: m.weights.bytes, contentType: WEIGHTS_CONTENT_TYPE, note: "split model: its weights before its graph" });
    } else {
      steps.push({ action: "delete", name: "model weights", key: weights, note: "single-file model: weights left by an earlier split upload would be paired with it" });
    }
    const note = derived ? (m.weights ? "--model graph, after its weights" : "--model") : "sha256 verified";
    steps.push({ action: "put", name: file.name, key: file.key, path: m.path, bytes: m.bytes, contentType: file.contentType, note });
  }

  const where = options.target.local ? "local" : "remote";
  const cwd = options.cwd ?? REPO_ROOT;
  for (const step of steps) {
    const url = `${where} r2://${options.target.bucket}/${step.key}`;
    if (step.action === "put") {
      log(`${step.name}: uploading ${step.bytes} bytes from ${step.path} to ${url} (${step.note})`);
      const { code, output } = await runner(putArgs(options.target, step, step.path), cwd);
      if (code !== 0) throw new Error(`wrangler r2 object put for ${step.name} exited with ${code}${output ? `:\n${output.trim()}` : ""}`);
    } else {
      log(`${step.name}: deleting ${url} (${step.note})`);
      const { code, output } = await runner(deleteArgs(options.target, step.key), cwd);
      // Absent keys delete fine locally and on R2; this only guards a wrangler that reports them.
      if (code !== 0) {
        if (!/does not exist|NoSuchKey/i.test(output)) {
          throw new Error(`wrangler r2 object delete for ${step.name} exited with ${code}${output ? `:\n${output.trim()}` : ""}`);
        }
        log(`${step.name}: nothing to delete`);
      }
    }
  }
  return steps;
}

export async function main(
  argv: string[] = process.argv.slice(2),
  options: Omit<UploadOptions, "target" | "only" | "destDir" | "model" | "ignoreHeads" | "encoder"> = {},
): Promise<number> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        encoder: { type: "string" },
        bucket: { type: "string", default: DEFAULT_BUCKET },
        local: { type: "boolean", default: false },
        remote: { type: "boolean", default: false },
        "persist-to": { type: "string" },
        only: { type: "string", multiple: true },
        dest: { type: "string" },
        model: { type: "string" },
        "ignore-heads": { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.local && values.remote) throw new Error("--local and --remote exclude each other");
    if (values["persist-to"] && !values.local) throw new Error("--persist-to only applies with --local");
    const target: Target = { bucket: values.bucket, local: values.local, persistTo: values["persist-to"] && resolve(values["persist-to"]) };
    const only = values.only?.flatMap((v) => v.split(",")).filter(Boolean);
    const steps = await uploadModels({
      ...options,
      target,
      encoder: values.encoder,
      only,
      destDir: values.dest ? resolve(values.dest) : undefined,
      model: values.model,
      ignoreHeads: values["ignore-heads"],
      log,
    });
    const puts = steps.filter((s) => s.action === "put").length;
    log(`models:upload: ${puts} file(s) in ${target.local ? "local" : "remote"} bucket ${target.bucket}`);
    return 0;
  } catch (error) {
    log(`models:upload: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
