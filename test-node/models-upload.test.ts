/// <reference types="node" />
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Manifest } from "../scripts/models-fetch.ts";
import { DEFAULT_BUCKET, main, putArgs, WRANGLER_BIN, wranglerRunner, type Runner } from "../scripts/models-upload.ts";

const VOCAB = Buffer.from("[PAD]\n[UNK]\nhello\n");
const MODEL = Buffer.from("not really onnx, but bytes all the same");
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "models-upload-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function setup(modelSha: string | null = sha256(MODEL)): Promise<string> {
  const manifest: Manifest = {
    repo: "Xenova/distilbert-base-uncased",
    revision: "main",
    files: [
      { name: "vocab", path: "vocab.txt", dest: "vocab.txt", key: "d/vocab.txt", contentType: "text/plain; charset=utf-8", sha256: sha256(VOCAB) },
      { name: "model", path: "onnx/m.onnx", dest: "m.onnx", key: "d/onnx/m.onnx", contentType: "application/octet-stream", sha256: modelSha },
    ],
  };
  const path = join(dir, "manifest.json");
  await writeFile(path, JSON.stringify(manifest));
  await writeFile(join(dir, "vocab.txt"), VOCAB);
  await writeFile(join(dir, "m.onnx"), MODEL);
  return path;
}

/** Records wrangler invocations instead of running them. */
function fakeRunner(code = 0) {
  const calls: string[][] = [];
  const runner: Runner = async (args) => (calls.push(args), { code, output: code ? "✘ [ERROR] Authentication error" : "" });
  return { calls, runner };
}

async function run(argv: string[], manifestPath: string, runner: Runner, cwd?: string) {
  const log: string[] = [];
  const code = await main(argv, { manifestPath, runner, cwd, log: (l) => log.push(l) });
  return { code, log: log.join("\n") };
}

describe("models:upload", () => {
  it("puts each verified file to the remote bucket by default, under its key and content type", async () => {
    const path = await setup();
    const { calls, runner } = fakeRunner();
    const { code, log } = await run([], path, runner);
    expect(code).toBe(0);
    expect(calls).toEqual([
      [WRANGLER_BIN, "r2", "object", "put", `${DEFAULT_BUCKET}/d/vocab.txt`, "--file", join(dir, "vocab.txt"), "--content-type", "text/plain; charset=utf-8", "--remote"],
      [WRANGLER_BIN, "r2", "object", "put", `${DEFAULT_BUCKET}/d/onnx/m.onnx`, "--file", join(dir, "m.onnx"), "--content-type", "application/octet-stream", "--remote"],
    ]);
    expect(log).toContain("2 file(s) in remote bucket smart-support-models");
  });

  it("--local with --bucket, --persist-to and --only", async () => {
    const path = await setup();
    const { calls, runner } = fakeRunner();
    const state = join(dir, "state");
    expect((await run(["--local", "--bucket", "b", "--persist-to", state, "--only", "model"], path, runner)).code).toBe(0);
    expect(calls).toEqual([putArgs({ bucket: "b", local: true, persistTo: state }, { name: "model", path: "onnx/m.onnx", dest: "m.onnx", key: "d/onnx/m.onnx", contentType: "application/octet-stream", sha256: null }, join(dir, "m.onnx"))]);
    expect(calls[0]!.slice(-3)).toEqual(["--local", "--persist-to", state]);
  });

  it("refuses before uploading anything when a file is missing, altered or unpinned, naming each", async () => {
    const path = await setup(null);
    await rm(join(dir, "vocab.txt"));
    const { calls, runner } = fakeRunner();
    const missing = await run([], path, runner);
    expect(missing.code).toBe(1);
    expect(missing.log).toContain(`vocab: ${join(dir, "vocab.txt")} is missing; run npm run models:fetch`);
    expect(missing.log).toContain(`model (${join(dir, "m.onnx")}): no sha256 pinned in the manifest`);

    const pinned = await setup();
    await writeFile(join(dir, "m.onnx"), Buffer.concat([MODEL, Buffer.from("!")]));
    const altered = await run([], pinned, runner);
    expect(altered.code).toBe(1);
    expect(altered.log).toContain(`model: ${join(dir, "m.onnx")} has sha256 ${sha256(Buffer.concat([MODEL, Buffer.from("!")]))}, the manifest pins ${sha256(MODEL)}`);
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
    expect(calls).toEqual([]);
  });

  it.skipIf(!existsSync(WRANGLER_BIN))(
    "really uploads to a local bucket that wrangler reads back byte for byte",
    async () => {
      const path = await setup();
      const state = join(dir, "state");
      // cwd without a wrangler.toml: the test must not depend on the project's config being mid-edit.
      const { code, log } = await run(["--local", "--persist-to", state, "--only", "model"], path, wranglerRunner(true), dir);
      expect(code, log).toBe(0);
      const back = join(dir, "back.onnx");
      const get = await wranglerRunner(true)([WRANGLER_BIN, "r2", "object", "get", `${DEFAULT_BUCKET}/d/onnx/m.onnx`, "--file", back, "--local", "--persist-to", state], dir);
      expect(get.code, get.output).toBe(0);
      expect((await readFile(back)).equals(MODEL)).toBe(true);
    },
    60_000,
  );
});
