/**
 * `node dev/build-assets.ts`: copies the browser bundles that /docs (Swagger UI) and /redoc
 * (ReDoc) load into public/vendor/, the Worker's static-assets directory (wrangler.jsonc
 * `assets`), so both pages work with no CDN and no network at all.
 *
 * Why copied from node_modules and not committed: the bundles are ~3 MiB of minified
 * third-party code; package-lock.json already pins their exact bytes (integrity hashes checked
 * by npm), so a copy step keeps git free of vendored blobs and an upgrade is a one-line
 * package.json change. The cost is that something must run this before the assets are read:
 * wrangler.jsonc's `build.command` runs it before every `wrangler dev`, `wrangler deploy` and
 * `wrangler types` (so npm run dev / deploy / typecheck, and dev/dev-server.ts), on any clone.
 *
 * The versions must be the exact ones package.json pins: a stale node_modules (an older
 * `npm install`) would otherwise ship bundles nobody reviewed, so a mismatch fails the build.
 * Files are copied byte for byte (nothing rewritten) with their licence files, which the
 * Apache-2.0 (swagger-ui-dist) and MIT (redoc) licences require alongside redistributed code.
 * Unchanged files are left alone so `wrangler dev`'s asset watcher does not reload for nothing,
 * and each write is a rename, so a reader never sees half a file.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface VendorPackage {
  /** npm package name, pinned to an exact version in package.json devDependencies. */
  name: string;
  /** Folder under public/vendor/ the files land in (flat: the pages reference them by name). */
  dir: string;
  /** Paths inside the package. */
  files: string[];
}

/** What the pages in src/routes/meta.ts load, plus the licences that must travel with it. */
export const VENDOR_PACKAGES: VendorPackage[] = [
  {
    name: "swagger-ui-dist",
    dir: "swagger-ui-dist",
    files: ["swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-bundle.js.LICENSE.txt", "LICENSE", "NOTICE"],
  },
  {
    name: "redoc",
    dir: "redoc",
    files: ["bundles/redoc.standalone.js", "bundles/redoc.standalone.js.LICENSE.txt", "LICENSE"],
  },
];

export interface BuildOptions {
  /** Where package.json and node_modules/ are. */
  root?: string;
  /** The assets directory's vendor folder. */
  outDir?: string;
  packages?: VendorPackage[];
}

export interface BuildResult {
  outDir: string;
  /** Paths relative to outDir, with whether this run wrote them. */
  files: { path: string; written: boolean; bytes: number }[];
  removed: string[];
}

/** public/vendor/: wrangler.jsonc's assets.directory is public/ (dev/wrangler-config.test.ts checks). */
export const DEFAULT_OUT_DIR = resolve(REPO_ROOT, "public/vendor");

export function buildAssets(options: BuildOptions = {}): BuildResult {
  const root = options.root ?? REPO_ROOT;
  const outDir = options.outDir ?? (options.root ? resolve(root, "public/vendor") : DEFAULT_OUT_DIR);
  const packages = options.packages ?? VENDOR_PACKAGES;
  const manifest = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };

  const problems: string[] = [];
  const plan: { from: string; to: string }[] = [];
  for (const pkg of packages) {
    const pinned = manifest.devDependencies?.[pkg.name] ?? manifest.dependencies?.[pkg.name];
    if (!pinned) {
      problems.push(`${pkg.name} is not in package.json; add it with npm install --save-dev --save-exact ${pkg.name}@<version>`);
      continue;
    }
    if (!/^\d+\.\d+\.\d+$/.test(pinned)) {
      problems.push(`${pkg.name} is "${pinned}" in package.json; its bytes are served as-is, so pin an exact version (npm install --save-exact)`);
      continue;
    }
    const pkgDir = resolve(root, "node_modules", pkg.name);
    let installed: string | undefined;
    try {
      installed = (JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { version?: string }).version;
    } catch {
      problems.push(`${pkg.name} is not installed (${pkgDir}); run npm install`);
      continue;
    }
    if (installed !== pinned) {
      problems.push(`${pkg.name} ${installed} is installed but package.json pins ${pinned}; run npm install`);
      continue;
    }
    for (const file of pkg.files) {
      const from = join(pkgDir, file);
      if (!existsSync(from)) problems.push(`${pkg.name}@${installed} has no ${file}; update VENDOR_PACKAGES in dev/build-assets.ts`);
      else plan.push({ from, to: join(outDir, pkg.dir, basename(file)) });
    }
  }
  if (problems.length) throw new Error(`cannot build the docs assets:\n  ${problems.join("\n  ")}`);

  const files: BuildResult["files"] = [];
  for (const { from, to } of plan) {
    const bytes = readFileSync(from);
    const same = existsSync(to) && sha256(readFileSync(to)) === sha256(bytes);
    if (!same) {
      mkdirSync(dirname(to), { recursive: true });
      const tmp = `${to}.tmp-${process.pid}`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, to);
    }
    files.push({ path: relative(outDir, to), written: !same, bytes: bytes.byteLength });
  }

  // Whatever an older version or file list left behind would otherwise be deployed too.
  const wanted = new Set(files.map((f) => f.path));
  const removed: string[] = [];
  for (const path of listFiles(outDir)) {
    if (!wanted.has(path) && !isLiveTempFile(path)) {
      rmSync(join(outDir, path), { force: true });
      removed.push(path);
    }
  }
  return { outDir, files, removed };
}

/** Another build's file in flight (two wrangler/npm commands at once in one checkout); a dead one's is stale. */
function isLiveTempFile(path: string): boolean {
  const pid = /\.tmp-(\d+)$/.exec(path)?.[1];
  if (!pid) return false;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch {
    return false;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function listFiles(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(join(dir, entry.name), path) : [path];
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const result = buildAssets();
    const written = result.files.filter((f) => f.written).length;
    const where = relative(process.cwd(), result.outDir) || ".";
    console.log(
      `build-assets: ${result.files.length} file(s) in ${where} (${written} updated${result.removed.length ? `, ${result.removed.length} stale removed` : ""})`,
    );
  } catch (error) {
    console.error(`build-assets: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
