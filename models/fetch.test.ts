import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../dataset/load.ts";
import { declaredSha256, loadManifest, main, MANIFEST_PATH, parseManifest, resolveUrl, type Manifest } from "./fetch.ts";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const VOCAB = Buffer.from("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n");
const MODEL = Buffer.alloc(300_000, 7); // several chunks
const VOCAB_SHA = sha256(VOCAB);
const MODEL_SHA = sha256(MODEL);
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const HUB = "/Xenova/distilbert-base-uncased/resolve/main";

type Seen = { server: "hub" | "cdn"; method: string; url: string; headers: IncomingHttpHeaders };
const seen: Seen[] = [];
/** What the fake hub claims for the model's LFS object; undefined = serve it like a plain git file. */
let declared: string | undefined;
let hub: Server;
let cdn: Server;
let hubBase: string;
let cdnBase: string;
let dir: string;

function listen(server: Server): Promise<string> {
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  // Mimics huggingface.co: LFS files answer 302 to a CDN on another origin, with the
  // object's sha256 in X-Linked-ETag; plain git files answer 200 with the blob's sha1 as ETag.
  hub = createServer((req, res) => {
    seen.push({ server: "hub", method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    if (req.url === `${HUB}/vocab.txt`) {
      res.writeHead(200, { etag: `"${"a".repeat(40)}"`, "x-repo-commit": COMMIT, "content-length": VOCAB.length });
      res.end(req.method === "HEAD" ? undefined : VOCAB);
    } else if (req.url === `${HUB}/onnx/model_quantized.onnx` && declared) {
      res.writeHead(302, {
        location: `${cdnBase}/lfs/model`,
        "x-linked-etag": `"${declared}"`,
        "x-linked-size": MODEL.length,
        "x-repo-commit": COMMIT,
        etag: `W/"${"b".repeat(40)}"`,
      });
      res.end();
    } else if (req.url === `${HUB}/onnx/model_quantized.onnx`) {
      res.writeHead(200, { etag: `"${"c".repeat(40)}"`, "content-length": MODEL.length });
      res.end(req.method === "HEAD" ? undefined : MODEL);
    } else {
      res.writeHead(404, "Not Found", { "x-error-code": "EntryNotFound" });
      res.end("Entry not found");
    }
  });
  cdn = createServer((req, res) => {
    seen.push({ server: "cdn", method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    res.writeHead(200, { "content-length": MODEL.length, etag: '"cdn-etag-that-is-no-sha256"' });
    res.end(req.method === "HEAD" ? undefined : MODEL);
  });
  hubBase = await listen(hub);
  cdnBase = await listen(cdn);
});

afterAll(async () => {
  for (const s of [hub, cdn]) {
    s.closeAllConnections();
    await new Promise((ok) => s.close(ok));
  }
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  seen.length = 0;
  declared = MODEL_SHA;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = await mkdtemp(join(tmpdir(), "models-fetch-test-"));
});

function manifest(modelSha: string | null, modelPath = "onnx/model_quantized.onnx"): Manifest {
  return {
    notes: ["test copy"],
    repo: "Xenova/distilbert-base-uncased",
    revision: "main",
    files: [
      { name: "vocab", path: "vocab.txt", dest: "vocab.txt", key: "d/vocab.txt", contentType: "text/plain", sha256: VOCAB_SHA },
      { name: "model", path: modelPath, dest: "model_quantized.onnx", key: "d/onnx/model.onnx", contentType: "application/octet-stream", sha256: modelSha },
    ],
  };
}

async function writeManifest(m: Manifest): Promise<string> {
  const path = join(dir, "manifest.json");
  await writeFile(path, JSON.stringify(m, null, 2) + "\n");
  return path;
}

async function run(argv: string[], manifestPath: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const log: string[] = [];
  const code = await main(argv, { manifestPath, env: { HF_ENDPOINT: hubBase, ...env }, out: (l) => out.push(l), log: (l) => log.push(l) });
  return { code, out, log: log.join("\n") };
}

describe("models:fetch", () => {
  it("with pinned hashes downloads and verifies every file, leaving the manifest as it was", async () => {
    const path = await writeManifest(manifest(MODEL_SHA));
    const before = await readFile(path, "utf8");
    const { code, out } = await run([], path);
    expect(code).toBe(0);
    expect((await readFile(join(dir, "vocab.txt"))).equals(VOCAB)).toBe(true);
    expect((await readFile(join(dir, "model_quantized.onnx"))).equals(MODEL)).toBe(true);
    expect(await readFile(path, "utf8")).toBe(before);
    expect(out).toEqual([expect.stringMatching(/^vocab: downloaded: .*vocab\.txt \(\d+ bytes, sha256 /), expect.stringMatching(/^model: downloaded: /)]);
    // A pinned hash needs no HEAD; the model's GET went through the redirect to the CDN.
    expect(seen.filter((s) => s.method === "HEAD")).toEqual([]);
    expect(seen.filter((s) => s.server === "cdn").map((s) => s.method)).toEqual(["GET"]);
  });

  it("trusts the hub's X-Linked-ETag on first use, verifies against it and pins it in the manifest", async () => {
    const path = await writeManifest(manifest(null));
    const { code, out, log } = await run(["--only", "model"], path);
    expect(code).toBe(0);
    expect(out).toEqual([expect.stringMatching(/^model: downloaded, pinned: /)]);
    expect(log).toContain(`TRUST ON FIRST USE: onnx/model_quantized.onnx has no pinned sha256; using the hub's declared ${MODEL_SHA}`);
    expect(log).toContain(`commit ${COMMIT}`);
    expect(log).toMatch(/PINNED: wrote sha256 .* review and commit it/);
    const pinned = JSON.parse(await readFile(path, "utf8")) as Manifest;
    expect(pinned.files.map((f) => f.sha256)).toEqual([VOCAB_SHA, MODEL_SHA]);
    expect(pinned.notes).toEqual(["test copy"]);
    // The HEAD stopped at the hub: the CDN's own ETag is no declaration.
    expect(seen.filter((s) => s.method === "HEAD").map((s) => s.server)).toEqual(["hub"]);
    expect(await readdir(dir)).toEqual(["manifest.json", "model_quantized.onnx"]);

    // From now on it is pinned: a second run finds the file and asks the network nothing.
    seen.length = 0;
    const again = await run(["--only", "model"], path);
    expect(again.code).toBe(0);
    expect(again.out).toEqual([expect.stringMatching(/^model: already present: /)]);
    expect(seen).toEqual([]);
  });

  it("refuses a file without a pinned hash when the hub declares no sha256, without downloading it", async () => {
    declared = undefined; // served like a plain git file: ETag is a sha1
    const path = await writeManifest(manifest(null));
    const { code, log } = await run(["--only", "model"], path);
    expect(code).toBe(1);
    expect(log).toMatch(/onnx\/model_quantized\.onnx: no sha256 in .* and the hub declared none .* refusing to download it unverified/);
    expect(seen.map((s) => s.method)).toEqual(["HEAD"]);
    expect(await readdir(dir)).toEqual(["manifest.json"]);
  });

  it("on a pinned-hash mismatch fails naming both hashes and keeps no file", async () => {
    const wrong = "0".repeat(64);
    const path = await writeManifest(manifest(wrong));
    const { code, log } = await run(["--only", "model"], path);
    expect(code).toBe(1);
    expect(log).toContain(`sha256 mismatch`);
    expect(log).toContain(`expected ${wrong}, got ${MODEL_SHA}`);
    expect(await readdir(dir)).toEqual(["manifest.json"]);
  });

  it("when the bytes do not match the hub's declared hash fails, keeps no file and pins nothing", async () => {
    declared = "f".repeat(64);
    const path = await writeManifest(manifest(null));
    const { code, log } = await run(["--only", "model"], path);
    expect(code).toBe(1);
    expect(log).toContain(`expected ${"f".repeat(64)}, got ${MODEL_SHA}`);
    expect(await readdir(dir)).toEqual(["manifest.json"]);
    expect((await loadManifest(path)).files[1]!.sha256).toBeNull();
  });

  it("reports a missing file as a 404 naming the URL and the hub's error code", async () => {
    const path = await writeManifest(manifest(null, "onnx/nope.onnx"));
    const { code, log } = await run(["--only", "model"], path);
    expect(code).toBe(1);
    expect(log).toContain(`HEAD ${hubBase}${HUB}/onnx/nope.onnx: HTTP 404 Not Found [EntryNotFound] (wrong repo, revision or path?)`);

    const pinned = await writeManifest(manifest(MODEL_SHA, "onnx/nope.onnx"));
    const second = await run(["--only", "model"], pinned);
    expect(second.code).toBe(1);
    expect(second.log).toContain(`download of ${hubBase}${HUB}/onnx/nope.onnx failed: HTTP 404`);
    expect(await readdir(dir)).toEqual(["manifest.json"]);
  });

  it("skips files already present with the right hash", async () => {
    const path = await writeManifest(manifest(MODEL_SHA));
    await writeFile(join(dir, "vocab.txt"), VOCAB);
    const { code, out } = await run([], path);
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^vocab: already present: /);
    expect(out[1]).toMatch(/^model: downloaded: /);
    expect(seen.map((s) => s.url)).not.toContain(`${HUB}/vocab.txt`);
  });

  it("sends HF_TOKEN as a bearer token on the HEAD and the download", async () => {
    const path = await writeManifest(manifest(null));
    const { code } = await run(["--only", "model"], path, { HF_TOKEN: "hf_secret" });
    expect(code).toBe(0);
    const atHub = seen.filter((s) => s.server === "hub");
    expect(atHub.map((s) => s.method)).toEqual(["HEAD", "GET"]);
    for (const s of atHub) expect(s.headers.authorization).toBe("Bearer hf_secret");
  });

  it("--dest puts the files elsewhere; --only rejects names the manifest lacks", async () => {
    const path = await writeManifest(manifest(MODEL_SHA));
    const other = join(dir, "elsewhere");
    expect((await run(["--only", "vocab", "--dest", other], path)).code).toBe(0);
    expect(await readdir(other)).toEqual(["vocab.txt"]);
    expect(existsSync(join(dir, "vocab.txt"))).toBe(false);

    const bad = await run(["--only", "weights"], path);
    expect(bad.code).toBe(1);
    expect(bad.log).toContain("unknown --only weights; the manifest lists vocab, model");
    expect((await run(["--frobnicate"], path)).code).toBe(1);
  });
});

describe("manifest", () => {
  it("the shipped manifest names the hub files, their R2 keys and the known vocab hash", async () => {
    const m = await loadManifest(MANIFEST_PATH);
    expect(m.repo).toBe("Xenova/distilbert-base-uncased");
    expect(Object.fromEntries(m.files.map((f) => [f.name, [f.path, f.key]]))).toEqual({
      vocab: ["vocab.txt", "distilbert-base-uncased/vocab.txt"],
      model: ["onnx/model_quantized.onnx", "distilbert-base-uncased/onnx/model_quantized.onnx"],
    });
    const vocab = m.files.find((f) => f.name === "vocab")!;
    expect(vocab.sha256).toBe("07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3");
    const reference = resolve(REPO_ROOT, "../shared/reference/distilbert-base-uncased/vocab.txt");
    if (existsSync(reference)) expect(sha256(await readFile(reference))).toBe(vocab.sha256);
  });

  it("rejects malformed hashes and duplicate names, naming the field", () => {
    const bad = manifest("ABC");
    expect(() => parseManifest(bad, "m.json")).toThrow("m.json: files[1].sha256 must be 64 lowercase hex characters or null");
    const dup = manifest(null);
    dup.files[1]!.name = "vocab";
    expect(() => parseManifest(dup, "m.json")).toThrow(`files[1].name "vocab" is not unique`);
  });

  it("builds hub URLs and reads only sha256-shaped ETags", () => {
    expect(resolveUrl("https://hf.example/", "Xenova/x", "v 1", "onnx/a b.onnx")).toBe("https://hf.example/Xenova/x/resolve/v%201/onnx/a%20b.onnx");
    expect(declaredSha256(new Headers({ "x-linked-etag": `"${MODEL_SHA.toUpperCase()}"` }))).toBe(MODEL_SHA);
    expect(declaredSha256(new Headers({ etag: `W/"${MODEL_SHA}"` }))).toBe(MODEL_SHA);
    expect(declaredSha256(new Headers({ etag: `"${"a".repeat(40)}"` }))).toBeUndefined();
  });
});
