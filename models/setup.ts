/**
 * `npm run models:setup [-- --encoder ID] [--train] [--remote] [--persist-to DIR]`: everything
 * `npm run dev` needs to serve M2 on a real encoder, in order:
 *
 *  1. models:fetch the encoder (verified against models/encoders/<id>.json);
 *  2. check the committed heads (models/m2/heads.json, what the Worker bundles) are bound
 *     to exactly that file (encoder.sha256 and encoder.id) and its vocabulary
 *     (vocabSha256); if not, print the train:m2 command that retrains them, and run it
 *     only with --train (then check again);
 *  3. models:upload the model (and vocab.txt when the Worker does not bundle it) to the
 *     local R2 bucket `wrangler dev` reads (.wrangler/state; --persist-to DIR to match a
 *     dev server started with it), or with --remote to the production bucket;
 *  4. say what `npm run dev` will then serve and why: the heads' serve block.
 *
 * The decisions are plain functions (setup.test.ts); the network and wrangler are only
 * reached through models:fetch and models:upload.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../dataset/load.ts";
import { describeServing } from "../src/m2/scorer.ts";
import { headsBinding, type M2HeadsBinding } from "../src/m2/heads.ts";
import { DEFAULT_ENCODER_ID, encoderDir, loadEncoderManifest, needsVocabUpload, type EncoderManifest } from "./encoder-manifest.ts";
import { fetchEncoder } from "./fetch.ts";
import { DEFAULT_BUCKET, HEADS_PATH, uploadModels, type Runner, type Target } from "./upload.ts";

export type HeadsCheck =
  | { bound: true }
  | { bound: false; reason: string; retrain: string };

/** The command that binds the heads to this encoder's fetched file. */
export function retrainCommand(manifest: EncoderManifest, modelPath: string): string {
  return `npm run train:m2 -- --encoder ${relative(REPO_ROOT, modelPath) || modelPath}`;
}

/**
 * Whether the heads can serve with this encoder file: the Worker refuses heads whose
 * sha256 is not the loaded model's, reads the model from encoders/<heads' id>/, and
 * tokenizes with the vocabulary vocabSha256 names.
 */
export function checkHeads(heads: M2HeadsBinding | Error, manifest: EncoderManifest, modelSha256: string, modelPath: string): HeadsCheck {
  const retrain = retrainCommand(manifest, modelPath);
  if (heads instanceof Error) return { bound: false, reason: `the heads cannot be read: ${heads.message}`, retrain };
  const e = heads.encoder;
  const problems = [
    ...(e.sha256 !== modelSha256 ? [`they are bound to encoder "${e.name}" (sha256 ${e.sha256}), the fetched ${manifest.id} is sha256 ${modelSha256}`] : []),
    ...(e.id !== manifest.id ? [`they name encoder id "${e.id}", so the Worker would read encoders/${e.id}/, not ${manifest.id}`] : []),
    ...(e.vocabSha256 !== manifest.tokenizer.vocab.sha256
      ? [`they tokenize with vocab sha256 ${e.vocabSha256}, ${manifest.id}'s vocab is ${manifest.tokenizer.vocab.sha256}`]
      : []),
    ...((e.lowercase ?? true) !== manifest.tokenizer.lowercase
      ? [`they tokenize ${(e.lowercase ?? true) ? "lower-cased" : "cased"}, ${manifest.id}'s vocabulary is ${manifest.tokenizer.lowercase ? "uncased" : "cased"}`]
      : []),
  ];
  return problems.length === 0 ? { bound: true } : { bound: false, reason: problems.join("; "), retrain };
}

/** What `npm run dev` (or the deployed consumer) will serve once the upload is done, and why. */
export function servingReport(heads: M2HeadsBinding, manifest: EncoderManifest, target: Target): string[] {
  const serving = describeServing(heads.serve);
  const where = `${target.local ? "local" : "remote"} r2://${target.bucket}/${manifest.r2.model}`;
  const vocab = needsVocabUpload(manifest) ? `vocab r2://${target.bucket}/${manifest.r2.vocab}` : "the bundled vocab";
  return [
    `encoder: ${manifest.name} (${manifest.id}), ${where}, ${vocab}`,
    serving.usesM2
      ? `${target.local ? "npm run dev" : "the deployed consumer"} will load it on the first /v2 ticket: ${serving.summary}`
      : `${target.local ? "npm run dev" : "the deployed consumer"} will not load it at all: ${serving.summary}`,
    ...(serving.usesM2
      ? []
      : [
          target.local
            ? "to score with M2 anyway: M2_SERVE=m2 in .dev.vars (the consumer Worker reads it), then npm run dev"
            : "to score with M2 anyway: npx wrangler secret put M2_SERVE --config wrangler.consumer.jsonc (value m2)",
        ]),
    "/health models.m2 shows the state and models.serve the decision in effect; a field M2 serves falls back to M1 for any ticket M2 cannot score.",
  ];
}

export async function readHeadsBinding(path: string): Promise<M2HeadsBinding | Error> {
  try {
    return headsBinding(JSON.parse(await readFile(path, "utf8")));
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

export type SetupOptions = {
  encoder?: string;
  target: Target;
  train?: boolean;
  headsPath?: string;
  log?: (line: string) => void;
  /** For tests: replaces `npm run train:m2 …`. */
  runTrain?: (command: string) => Promise<number>;
  runner?: Runner;
  env?: Record<string, string | undefined>;
};

function runShell(command: string): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(command, { cwd: REPO_ROOT, stdio: "inherit", shell: true });
    child.once("error", fail);
    child.once("close", (code) => done(code ?? 1));
  });
}

export async function setup(options: SetupOptions): Promise<number> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const headsPath = options.headsPath ?? HEADS_PATH;
  const manifest = loadEncoderManifest(options.encoder ?? DEFAULT_ENCODER_ID);
  log(`== 1. fetch ${manifest.id}`);
  const fetched = await fetchEncoder({ encoder: manifest.id, log, env: options.env });
  const model = fetched.find((f) => f.name === "model")!;
  log(`model: ${model.how}: ${model.path} (sha256 ${model.sha256})`);

  log(`== 2. heads ${relative(REPO_ROOT, headsPath)}`);
  let heads = await readHeadsBinding(headsPath);
  let check = checkHeads(heads, manifest, model.sha256, model.path);
  if (!check.bound) {
    log(`The heads cannot serve with ${manifest.id}: ${check.reason}.`);
    if (!options.train) {
      log(`Retrain them on it with:\n  ${check.retrain}\nthen commit models/m2/heads.json and metrics.json, or rerun this with --train.`);
      return 1;
    }
    log(`--train: running ${check.retrain}`);
    const code = await (options.runTrain ?? runShell)(check.retrain);
    if (code !== 0) {
      log(`${check.retrain} exited with ${code}`);
      return 1;
    }
    heads = await readHeadsBinding(headsPath);
    check = checkHeads(heads, manifest, model.sha256, model.path);
    if (!check.bound) {
      log(`After retraining the heads still cannot serve with ${manifest.id}: ${check.reason}`);
      return 1;
    }
  }
  const bound = heads as M2HeadsBinding;
  log(`heads are bound to ${manifest.id} (sha256 ${model.sha256})`);

  log(`== 3. upload to the ${options.target.local ? "local" : "remote"} bucket ${options.target.bucket}`);
  await uploadModels({ target: options.target, encoder: manifest.id, destDir: encoderDir(manifest.id), headsPath, log, runner: options.runner });

  log("== 4. what will be served");
  for (const line of servingReport(bound, manifest, options.target)) log(line);
  return 0;
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const log = (line: string) => process.stderr.write(line + "\n");
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        encoder: { type: "string" },
        train: { type: "boolean", default: false },
        remote: { type: "boolean", default: false },
        "persist-to": { type: "string" },
        bucket: { type: "string", default: DEFAULT_BUCKET },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.remote && values["persist-to"]) throw new Error("--persist-to only applies to the local bucket");
    const target: Target = {
      bucket: values.bucket,
      local: !values.remote,
      persistTo: values["persist-to"] && resolve(values["persist-to"]),
    };
    return await setup({ encoder: values.encoder, target, train: values.train, log });
  } catch (error) {
    log(`models:setup: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
