import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EncoderManifest } from "./encoder-manifest.ts";
import { DEFAULT_BUCKET, deleteArgs, main, putArgs, WRANGLER_BIN, wranglerRunner, type Runner } from "./upload.ts";
import { encoderR2Keys, EXTERNAL_DATA_LOCATION, modelSha256, weightsKey } from "../src/m2/model-source.ts";
import { externalizeModel } from "./onnx/external-data.ts";
import { buildTinyEncoder } from "./onnx/tiny-encoder.ts";

const VOCAB = Buffer.from("[PAD]\n[UNK]\nhello\n");
const MODEL = Buffer.from("not really onnx, but bytes all the same");
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const ENC_ID = "up-test";
const MODEL_KEY = encoderR2Keys(ENC_ID).model;
const WEIGHTS_KEY = `encoders/${ENC_ID}/model.weights.bin`;
const VOCAB_KEY = encoderR2Keys(ENC_ID).vocab;
const OCTETS = "application/octet-stream";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "models-upload-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Heads (format /2) as train:m2 writes them, as far as the upload reads them. */
async function writeHeads(path: string, encoderSha256: string, name = "test-encoder", id = ENC_ID): Promise<string> {
  const serve = { category: { model: "m2", reason: "test" }, urgency: { model: "m2", reason: "test" } };
  const encoder = { id, name, sha256: encoderSha256, pooling: "mean", maxLength: 128, dim: 4, vocabSha256: sha256(VOCAB) };
  await writeFile(path, JSON.stringify({ format: "smart-support-m2-heads/2", encoder, serve }));
  return path;
}

/** The encoder manifest (ENC_ID) in `at`, which is also where its files lie (--dest). */
async function writeManifest(at: string, model: Uint8Array, modelSha: string | null = sha256(model)): Promise<string> {
  const hub = { kind: "hub", repo: "Xenova/distilbert-base-uncased", revision: "main" } as const;
  const manifest: EncoderManifest = {
    id: ENC_ID,
    name: "upload test",
    licence: "test",
    source: { ...hub, path: "onnx/m.onnx" },
    sha256: modelSha,
    size: null,
    tokenizer: { kind: "wordpiece", lowercase: true, vocab: { source: { ...hub, path: "vocab.txt" }, sha256: sha256(VOCAB) } },
    hiddenSize: 4,
    pooling: "mean",
    maxLength: 128,
    r2: encoderR2Keys(ENC_ID),
  };
  await writeFile(join(at, `${ENC_ID}.json`), JSON.stringify(manifest));
  await writeFile(join(at, "vocab.txt"), VOCAB);
  await writeFile(join(at, "model.onnx"), model);
  return at;
}

/** Manifest, files and heads bound to the manifest model, all in `dir`. */
async function setup(modelSha: string | null = sha256(MODEL)): Promise<string> {
  await writeHeads(join(dir, "heads.json"), sha256(MODEL));
  return writeManifest(dir, MODEL, modelSha);
}

/** A model split as `npm run models:externalize` splits it, and the identity the Worker computes for it. */
async function writeSplit(at: string, model: Uint8Array): Promise<{ path: string; graph: Uint8Array; weights: Uint8Array; sha256: string }> {
  const { graph, weights } = externalizeModel(model);
  const path = join(at, "split.onnx");
  await writeFile(path, graph);
  await writeFile(weightsKey(path), weights);
  return { path, graph, weights, sha256: await modelSha256({ bytes: graph, externalData: [{ path: EXTERNAL_DATA_LOCATION, data: weights }] }) };
}

/** Records wrangler invocations instead of running them. */
function fakeRunner(code = 0) {
  const calls: string[][] = [];
  const runner: Runner = async (args) => (calls.push(args), { code, output: code ? "✘ [ERROR] Authentication error" : "" });
  return { calls, runner };
}

async function run(argv: string[], encodersDir: string, runner: Runner, more: { cwd?: string; headsPath?: string } = {}) {
  const log: string[] = [];
  const headsPath = more.headsPath ?? join(dir, "heads.json");
  const args = ["--encoder", ENC_ID, "--dest", encodersDir, ...argv];
  const code = await main(args, { encodersDir, runner, cwd: more.cwd, headsPath, log: (l) => log.push(l) });
  return { code, log: log.join("\n") };
}

describe("models:upload", () => {
  it("puts each verified file to the remote bucket by default, under its key and content type", async () => {
    const path = await setup();
    const { calls, runner } = fakeRunner();
    const { code, log } = await run([], path, runner);
    expect(code, log).toBe(0);
    expect(calls).toEqual([
      [WRANGLER_BIN, "r2", "object", "put", `${DEFAULT_BUCKET}/${VOCAB_KEY}`, "--file", join(dir, "vocab.txt"), "--content-type", "text/plain; charset=utf-8", "--remote"],
      [WRANGLER_BIN, "r2", "object", "delete", `${DEFAULT_BUCKET}/${WEIGHTS_KEY}`, "--remote"],
      [WRANGLER_BIN, "r2", "object", "put", `${DEFAULT_BUCKET}/${MODEL_KEY}`, "--file", join(dir, "model.onnx"), "--content-type", OCTETS, "--remote"],
    ]);
    expect(log).toContain(`encoder sha256 ${sha256(MODEL)} is the one the heads`);
    expect(log).toContain("2 file(s) in remote bucket smart-support-models");
  });

  it("--local with --bucket, --persist-to and --only", async () => {
    const path = await setup();
    const { calls, runner } = fakeRunner();
    const state = join(dir, "state");
    const target = { bucket: "b", local: true, persistTo: state };
    expect((await run(["--local", "--bucket", "b", "--persist-to", state, "--only", "model"], path, runner)).code).toBe(0);
    expect(calls).toEqual([deleteArgs(target, WEIGHTS_KEY), putArgs(target, { key: MODEL_KEY, contentType: OCTETS }, join(dir, "model.onnx"))]);
    expect(calls.map((c) => c.slice(-3))).toEqual([
      ["--local", "--persist-to", state],
      ["--local", "--persist-to", state],
    ]);
  });

  it("refuses before uploading anything when a file is missing, altered or unpinned, naming each", async () => {
    const path = await setup(null);
    await rm(join(dir, "vocab.txt"));
    const { calls, runner } = fakeRunner();
    const missing = await run([], path, runner);
    expect(missing.code).toBe(1);
    expect(missing.log).toContain(`vocab: ${join(dir, "vocab.txt")} is missing; run npm run models:fetch`);
    expect(missing.log).toContain(`model (${join(dir, "model.onnx")}): no sha256 pinned in the manifest`);

    const pinned = await setup();
    await writeFile(join(dir, "model.onnx"), Buffer.concat([MODEL, Buffer.from("!")]));
    const altered = await run([], pinned, runner);
    expect(altered.code).toBe(1);
    expect(altered.log).toContain(`model: ${join(dir, "model.onnx")} has sha256 ${sha256(Buffer.concat([MODEL, Buffer.from("!")]))}, the manifest pins ${sha256(MODEL)}`);
    expect(altered.log).not.toContain("vocab:");
    expect(calls).toEqual([]);
  });

  it("stops at a failed wrangler put and shows its output", async () => {
    const path = await setup();
    const { calls, runner } = fakeRunner(1);
    const { code, log } = await run([], path, runner);
    expect(code).toBe(1);
    expect(calls).toHaveLength(1);
    expect(log).toContain("wrangler r2 object put for vocab exited with 1:\n✘ [ERROR] Authentication error");
  });

  it("rejects contradictory flags", async () => {
    const path = await setup();
    const { calls, runner } = fakeRunner();
    expect((await run(["--local", "--remote"], path, runner)).log).toContain("--local and --remote exclude each other");
    expect((await run(["--persist-to", dir], path, runner)).log).toContain("--persist-to only applies with --local");
    const vocabOnly = await run(["--only", "vocab", "--model", join(dir, "model.onnx")], path, runner);
    expect(vocabOnly.code).toBe(1);
    expect(vocabOnly.log).toContain(`--model uploads the encoder's "model" entry, which --only vocab leaves out; drop --only, or use --only model`);
    expect(calls).toEqual([]);
  });

  it("--model uploads a split model under the model key: vocab as pinned, then the weights, then the graph", async () => {
    const path = await setup();
    const split = await writeSplit(dir, buildTinyEncoder());
    const headsPath = await writeHeads(join(dir, "split-heads.json"), split.sha256);
    const { calls, runner } = fakeRunner();
    const { code, log } = await run(["--local", "--model", split.path], path, runner, { headsPath });
    expect(code, log).toBe(0);
    const target = { bucket: DEFAULT_BUCKET, local: true };
    expect(calls).toEqual([
      putArgs(target, { key: VOCAB_KEY, contentType: "text/plain; charset=utf-8" }, join(dir, "vocab.txt")),
      putArgs(target, { key: WEIGHTS_KEY, contentType: OCTETS }, weightsKey(split.path)),
      putArgs(target, { key: MODEL_KEY, contentType: OCTETS }, split.path),
    ]);
    expect(log).toContain("3 file(s) in local bucket");
  });

  it("refuses a model the heads are not bound to, with both hashes, the heads' encoder and the fix, together with other problems", async () => {
    const path = await setup();
    await rm(join(dir, "vocab.txt"));
    const other = join(dir, "other.onnx");
    await writeFile(other, buildTinyEncoder({ seed: 7 }));
    const headsPath = await writeHeads(join(dir, "heads.json"), sha256(MODEL), "tiny-encoder");
    const { calls, runner } = fakeRunner();
    const { code, log } = await run(["--model", other], path, runner, { headsPath });
    expect(code).toBe(1);
    expect(log).toContain(`vocab: ${join(dir, "vocab.txt")} is missing`);
    expect(log).toContain(`model: ${other} has encoder sha256 ${sha256(await readFile(other))}, but the heads ${headsPath} are bound to encoder "tiny-encoder" (sha256 ${sha256(MODEL)})`);
    expect(log).toContain("the Worker would refuse these heads and score every /v2 ticket with M1");
    expect(log).toContain(`run npm run train:m2 -- --encoder ${other} first`);
    expect(log).toContain("--ignore-heads uploads anyway");
    expect(calls).toEqual([]);
  });

  it("refuses heads that name another encoder id, since the Worker would read that encoder's keys", async () => {
    const path = await setup();
    const headsPath = await writeHeads(join(dir, "other-id-heads.json"), sha256(MODEL), "x", "all-minilm-l6-v2-int8");
    const { calls, runner } = fakeRunner();
    const { code, log } = await run(["--only", "model"], path, runner, { headsPath });
    expect(code).toBe(1);
    expect(log).toContain(`the heads ${headsPath} name encoder id "all-minilm-l6-v2-int8", so the Worker reads encoders/all-minilm-l6-v2-int8/, not encoder ${ENC_ID}'s keys`);
    expect(log).toContain("use --encoder all-minilm-l6-v2-int8");
    expect(calls).toEqual([]);
  });

  it("refuses without readable heads unless --ignore-heads, which uploads with a warning", async () => {
    const path = await setup();
    const { calls, runner } = fakeRunner();
    const absent = join(dir, "no-heads.json");
    const refused = await run(["--only", "model"], path, runner, { headsPath: absent });
    expect(refused.code).toBe(1);
    expect(refused.log).toContain(`model: cannot read the M2 heads ${absent}: ENOENT`);
    expect(refused.log).toContain("--ignore-heads uploads anyway");

    await writeFile(join(dir, "bad-heads.json"), JSON.stringify({ encoder: { name: "x" } }));
    const bad = await run(["--only", "model"], path, runner, { headsPath: join(dir, "bad-heads.json") });
    expect(bad.log).toContain("have no encoder.sha256 of 64 lower-case hex digits");
    expect(calls).toEqual([]);

    const ignored = await run(["--only", "model", "--ignore-heads"], path, runner, { headsPath: absent });
    expect(ignored.code, ignored.log).toBe(0);
    expect(ignored.log).toContain(`model: warning, --ignore-heads: cannot read the M2 heads ${absent}`);
    expect(calls).toHaveLength(2);
  });

  it("refuses a --model that is missing or empty", async () => {
    const path = await setup();
    const { calls, runner } = fakeRunner();
    const missing = await run(["--model", join(dir, "nope.onnx")], path, runner);
    expect(missing.log).toContain(`model: cannot read ${join(dir, "nope.onnx")}: ENOENT`);
    await writeFile(join(dir, "empty.onnx"), "");
    const empty = await run(["--model", join(dir, "empty.onnx"), "--ignore-heads"], path, runner);
    expect(empty.code).toBe(1);
    expect(empty.log).toContain(`model: ${join(dir, "empty.onnx")} is empty`);
    expect(calls).toEqual([]);
  });

  it("goes on when the stale-weights delete reports an absent key, and stops before the graph on any other delete failure", async () => {
    const path = await setup();
    const reply = (output: string): { calls: string[][]; runner: Runner } => {
      const calls: string[][] = [];
      return { calls, runner: async (args) => (calls.push(args), args[3] === "delete" ? { code: 1, output } : { code: 0, output: "" }) };
    };
    const absent = reply("✘ [ERROR] The specified key does not exist.");
    expect((await run(["--only", "model"], path, absent.runner)).code).toBe(0);
    expect(absent.calls.map((c) => c[3])).toEqual(["delete", "put"]);
    const denied = reply("✘ [ERROR] Authentication error");
    const { code, log } = await run(["--only", "model"], path, denied.runner);
    expect(code).toBe(1);
    expect(log).toContain("wrangler r2 object delete for model weights exited with 1:\n✘ [ERROR] Authentication error");
    expect(denied.calls.map((c) => c[3])).toEqual(["delete"]);
  });

  it.skipIf(!existsSync(WRANGLER_BIN))(
    "really uploads to a local bucket that wrangler reads back byte for byte (deleting the absent weights key succeeds)",
    async () => {
      const path = await setup();
      const state = join(dir, "state");
      // cwd without a wrangler config file: the test must not depend on the project's config being mid-edit.
      const { code, log } = await run(["--local", "--persist-to", state, "--only", "model"], path, wranglerRunner(true), { cwd: dir });
      expect(code, log).toBe(0);
      const back = join(dir, "back.onnx");
      const get = await wranglerRunner(true)([WRANGLER_BIN, "r2", "object", "get", `${DEFAULT_BUCKET}/${MODEL_KEY}`, "--file", back, "--local", "--persist-to", state], dir);
      expect(get.code, get.output).toBe(0);
      expect((await readFile(back)).equals(MODEL)).toBe(true);
    },
    300_000,
  );
});

// One bucket for the whole sequence: each case starts from the state the one before
// left, which is what the stale-weights case needs anyway, and wrangler costs ~2 s a call.
describe.skipIf(!existsSync(WRANGLER_BIN))("models:upload --model against a local R2 bucket", () => {
  let shared: string;
  let state: string;
  let manifestPath: string;
  const tiny = buildTinyEncoder();
  const other = buildTinyEncoder({ seed: 7 });
  let split: Awaited<ReturnType<typeof writeSplit>>;
  let otherPath: string;
  let splitHeads: string;
  let singleHeads: string;

  beforeAll(async () => {
    shared = await mkdtemp(join(tmpdir(), "models-upload-r2-"));
    state = join(shared, "state");
    manifestPath = await writeManifest(shared, tiny);
    split = await writeSplit(shared, tiny);
    otherPath = join(shared, "other.onnx");
    await writeFile(otherPath, other);
    splitHeads = await writeHeads(join(shared, "split-heads.json"), split.sha256, "tiny-split");
    singleHeads = await writeHeads(join(shared, "single-heads.json"), sha256(tiny), "tiny-single");
  });
  afterAll(async () => {
    await rm(shared, { recursive: true, force: true });
  });

  /** Counts real wrangler runs, so "uploads nothing" means not one was started. */
  function counted() {
    const calls: string[][] = [];
    const real = wranglerRunner(true);
    const runner: Runner = (args, cwd) => (calls.push(args), real(args, cwd));
    return { calls, runner };
  }
  const upload = async (argv: string[], headsPath: string, runner: Runner = wranglerRunner(true)) => {
    const log: string[] = [];
    const args = ["--encoder", ENC_ID, "--dest", shared, "--local", "--persist-to", state, "--only", "model", ...argv];
    const code = await main(args, { encodersDir: shared, runner, cwd: shared, headsPath, log: (l) => log.push(l) });
    return { code, log: log.join("\n") };
  };
  const readBack = async (key: string) => {
    const out = join(shared, "back.bin");
    await rm(out, { force: true });
    const get = await wranglerRunner(true)([WRANGLER_BIN, "r2", "object", "get", `${DEFAULT_BUCKET}/${key}`, "--file", out, "--local", "--persist-to", state], shared);
    return { ...get, bytes: get.code === 0 ? new Uint8Array(await readFile(out)) : null };
  };
  const same = (a: Uint8Array | null, b: Uint8Array) => a !== null && Buffer.from(a).equals(Buffer.from(b));

  it("(a) puts a split --model as graph + weights under the model key and its weights key, weights first", async () => {
    const { code, log } = await upload(["--model", split.path], splitHeads);
    expect(code, log).toBe(0);
    const weightsAt = log.indexOf(`model weights: uploading ${split.weights.byteLength} bytes from ${weightsKey(split.path)} to local r2://${DEFAULT_BUCKET}/${WEIGHTS_KEY}`);
    expect(weightsAt, log).toBeGreaterThanOrEqual(0);
    expect(weightsAt).toBeLessThan(log.indexOf(`model: uploading ${split.graph.byteLength} bytes from ${split.path}`));
    expect(same((await readBack(MODEL_KEY)).bytes, split.graph)).toBe(true);
    expect(same((await readBack(WEIGHTS_KEY)).bytes, split.weights)).toBe(true);
  }, 300_000);

  it("(c) refuses a model the heads are not bound to and leaves the bucket as it was", async () => {
    const { calls, runner } = counted();
    const { code, log } = await upload(["--model", otherPath], splitHeads, runner);
    expect(code).toBe(1);
    expect(log).toContain(`has encoder sha256 ${sha256(other)}, but the heads ${splitHeads} are bound to encoder "tiny-split" (sha256 ${split.sha256})`);
    expect(log).toContain("the Worker would refuse these heads and score every /v2 ticket with M1");
    expect(log).toContain(`npm run train:m2 -- --encoder ${otherPath}`);
    expect(calls).toEqual([]);
    expect(same((await readBack(MODEL_KEY)).bytes, split.graph)).toBe(true);
  }, 300_000);

  it("(b) a single-file upload after a split one removes the split's weights object", async () => {
    const { code, log } = await upload([], singleHeads);
    expect(code, log).toBe(0);
    const weights = await readBack(WEIGHTS_KEY);
    expect(weights.code, weights.output).not.toBe(0);
    expect(weights.output).toContain("The specified key does not exist");
    expect(log).toContain(`deleting local r2://${DEFAULT_BUCKET}/${WEIGHTS_KEY}`);
  }, 300_000);

  it("(d) --ignore-heads uploads a model the heads are not bound to, with a warning", async () => {
    const { code, log } = await upload(["--model", otherPath, "--ignore-heads"], singleHeads);
    expect(code, log).toBe(0);
    expect(log).toContain(`model: warning, --ignore-heads: ${otherPath} has encoder sha256 ${sha256(other)}, but the heads ${singleHeads} are bound to encoder "tiny-single"`);
    expect(same((await readBack(MODEL_KEY)).bytes, other)).toBe(true);
  }, 300_000);
});
