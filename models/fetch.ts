/**
 * `npm run models:fetch [-- --only vocab|model] [--dest DIR]`: downloads the M2
 * encoder (Xenova/distilbert-base-uncased: onnx/model_quantized.onnx + vocab.txt)
 * into models/m2/ as listed in models/m2/manifest.json. HF_ENDPOINT (mirror) and
 * HF_TOKEN (bearer) follow huggingface_hub's conventions, as in dataset:fetch.
 *
 * Integrity, because the model is executed and later shipped to R2:
 * - a file with a sha256 in the manifest is verified against it (dataset/download.ts:
 *   streamed to .part, hashed, renamed only when it matches; no network when the
 *   file is already present with that hash);
 * - a file with `"sha256": null` is trusted on first use: a HEAD on the hub's
 *   resolve URL, without following the redirect to the CDN, yields the LFS
 *   object's sha256 in X-Linked-ETag (or ETag). The download is verified against
 *   that, and only then is the hash written into the manifest, with a loud notice,
 *   so that committing the manifest pins every later fetch and upload;
 * - a file with neither (no pinned hash and no sha256 declared by the hub, e.g. a
 *   non-LFS file whose ETag is a git sha1) is refused, never fetched unverified.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_HF_ENDPOINT } from "../dataset/fetch.ts";
import { REPO_ROOT } from "../dataset/load.ts";
import { downloadVerified, type DownloadResult } from "../dataset/download.ts";

export const MANIFEST_PATH = resolve(REPO_ROOT, "models/m2/manifest.json");

export type ManifestFile = {
  /** What --only selects: "vocab", "model". */
  name: string;
  /** Path inside the hub repo. */
  path: string;
  /** Local path, relative to the manifest's folder (or --dest). */
  dest: string;
  /** R2 object key in the MODELS bucket. */
  key: string;
  contentType: string;
  sha256: string | null;
};

export type Manifest = { notes?: string[]; repo: string; revision: string; files: ManifestFile[] };

const SHA256 = /^[0-9a-f]{64}$/;

export async function loadManifest(path: string = MANIFEST_PATH): Promise<Manifest> {
  const text = await readFile(path, "utf8");
  return parseManifest(JSON.parse(text), path);
}

/** Checks the shape by hand, so a hand-edited manifest fails here with its field named, not mid-download. */
export function parseManifest(value: unknown, source: string): Manifest {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  const m = value as Partial<Manifest> | null;
  if (!m || typeof m !== "object") fail("not a JSON object");
  if (typeof m!.repo !== "string" || !m!.repo.includes("/")) fail(`"repo" must be "owner/name"`);
  if (typeof m!.revision !== "string" || !m!.revision) fail(`"revision" must be a branch, tag or commit`);
  if (!Array.isArray(m!.files) || m!.files.length === 0) fail(`"files" must be a non-empty array`);
  const names = new Set<string>();
  for (const [i, f] of m!.files!.entries()) {
    for (const field of ["name", "path", "dest", "key", "contentType"] as const) {
      if (typeof f?.[field] !== "string" || !f[field]) fail(`files[${i}].${field} must be a non-empty string`);
    }
    if (f.sha256 !== null && !(typeof f.sha256 === "string" && SHA256.test(f.sha256))) {
      fail(`files[${i}].sha256 must be 64 lowercase hex characters or null`);
    }
    if (names.has(f.name)) fail(`files[${i}].name "${f.name}" is not unique`);
    names.add(f.name);
  }
  return m as Manifest;
}

/** Written via a temporary file and rename, so an interrupted write cannot leave a broken manifest. */
export async function saveManifest(path: string, manifest: Manifest): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(manifest, null, 2) + "\n");
  await rename(tmp, path);
}

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
  manifestPath?: string;
  /** Folder the manifest's `dest` paths are relative to; the manifest's own folder by default. */
  destDir?: string;
  /** Manifest file names to fetch; all by default. */
  only?: string[];
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
  timeoutMs?: number;
};

export type FetchedFile = DownloadResult & { name: string; trustedOnFirstUse: boolean };

export async function fetchModels(options: FetchOptions = {}): Promise<FetchedFile[]> {
  const manifestPath = options.manifestPath ?? MANIFEST_PATH;
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const manifest = await loadManifest(manifestPath);
  const destDir = options.destDir ?? dirname(manifestPath);
  const files = selectFiles(manifest, options.only);
  const endpoint = env.HF_ENDPOINT || DEFAULT_HF_ENDPOINT;
  const headers: Record<string, string> = env.HF_TOKEN ? { authorization: `Bearer ${env.HF_TOKEN}` } : {};

  const results: FetchedFile[] = [];
  for (const file of files) {
    const url = resolveUrl(endpoint, manifest.repo, manifest.revision, file.path);
    const dest = resolve(destDir, file.dest);
    let sha256 = file.sha256;
    if (!sha256) {
      const declared = await hubDeclaration(url, headers, options.timeoutMs);
      if (!declared.sha256) {
        throw new Error(
          `${file.path}: no sha256 in ${manifestPath} and the hub declared none (no sha256 in X-Linked-ETag or ETag of HEAD ${url}); ` +
            `refusing to download it unverified. Put its sha256 in the manifest.`,
        );
      }
      sha256 = declared.sha256;
      log(
        `!!! TRUST ON FIRST USE: ${file.path} has no pinned sha256; using the hub's declared ${sha256}` +
          ` (${manifest.repo}@${manifest.revision}${declared.commit ? `, commit ${declared.commit}` : ""})`,
      );
    }
    const result = await downloadVerified({ url, dest, sha256, headers, timeoutMs: options.timeoutMs, log });
    const trustedOnFirstUse = file.sha256 === null;
    if (trustedOnFirstUse) {
      file.sha256 = result.sha256;
      await saveManifest(manifestPath, manifest);
      log(`!!! PINNED: wrote sha256 ${result.sha256} for ${file.path} into ${manifestPath}; review and commit it.`);
    }
    results.push({ ...result, name: file.name, trustedOnFirstUse });
  }
  return results;
}

export function selectFiles(manifest: Manifest, only: string[] | undefined): ManifestFile[] {
  if (!only || only.length === 0) return manifest.files;
  const known = manifest.files.map((f) => f.name);
  const unknown = only.filter((name) => !known.includes(name));
  if (unknown.length) throw new Error(`unknown --only ${unknown.join(", ")}; the manifest lists ${known.join(", ")}`);
  return manifest.files.filter((f) => only.includes(f.name));
}

export type MainOptions = Omit<FetchOptions, "only" | "destDir"> & { out?: (line: string) => void };

export async function main(argv: string[] = process.argv.slice(2), options: MainOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(line + "\n"));
  const err = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  try {
    const { values } = parseArgs({
      args: argv,
      options: { only: { type: "string", multiple: true }, dest: { type: "string" } },
      strict: true,
      allowPositionals: false,
    });
    const only = values.only?.flatMap((v) => v.split(",")).filter(Boolean);
    const results = await fetchModels({ ...options, only, destDir: values.dest ? resolve(values.dest) : undefined, log: err });
    for (const r of results) {
      const verb = r.skipped ? "already present" : r.trustedOnFirstUse ? "downloaded, pinned" : "downloaded";
      out(`${r.name}: ${verb}: ${relative(process.cwd(), r.path) || r.path} (${r.bytes} bytes, sha256 ${r.sha256})`);
    }
    return 0;
  } catch (error) {
    err(`models:fetch: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
