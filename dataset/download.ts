/**
 * Verified downloads for data sets and model weights: stream to `dest.part`,
 * hash while streaming, and only an intact file ever appears at `dest`
 * (atomic rename). A present file with the right hash is not fetched again.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";

export type DownloadOptions = {
  url: string;
  dest: string;
  /** Expected sha256, hex. */
  sha256: string;
  headers?: Record<string, string>;
  /** Abort when no bytes arrive for this long (not a cap on the whole transfer, so large files are fine). */
  timeoutMs?: number;
  /** Progress lines; stderr by default so stdout stays usable in pipes. */
  log?: (line: string) => void;
};

export type DownloadResult = { path: string; sha256: string; bytes: number; skipped: boolean };

const DEFAULT_TIMEOUT_MS = 60_000;
const PROGRESS_EVERY_MS = 1_000;

export async function downloadVerified(options: DownloadOptions): Promise<DownloadResult> {
  const { url, dest, headers = {}, timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const expected = options.sha256.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) throw new Error(`sha256 must be 64 hex characters, got "${options.sha256}"`);

  const present = await fileSha256(dest);
  if (present?.sha256 === expected) {
    log(`${dest}: already present, sha256 verified`);
    return { path: dest, sha256: expected, bytes: present.bytes, skipped: true };
  }
  if (present) log(`${dest}: present but sha256 ${present.sha256} ≠ expected, downloading again`);

  const part = `${dest}.part`;
  const idle = new AbortController();
  let timer = setTimeout(() => idle.abort(), timeoutMs);
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(), timeoutMs);
  };

  try {
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: idle.signal, redirect: "follow" });
    } catch (cause) {
      throw new Error(`download of ${url} failed: ${describe(cause, idle.signal, timeoutMs)}`, { cause });
    }
    if (!response.ok || !response.body) {
      const hint = response.status === 401 || response.status === 403 ? " (missing or invalid access token?)" : "";
      throw new Error(`download of ${url} failed: HTTP ${response.status} ${response.statusText}${hint}`);
    }

    await mkdir(dirname(dest), { recursive: true });

    // Content-Length counts encoded bytes when the server compresses; only trust it for identity transfers.
    const encoded = response.headers.get("content-encoding");
    const total = encoded && encoded !== "identity" ? undefined : Number(response.headers.get("content-length")) || undefined;
    const hash = createHash("sha256");
    let bytes = 0;
    let lastReport = Date.now();
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        touch();
        hash.update(chunk);
        bytes += chunk.length;
        if (Date.now() - lastReport >= PROGRESS_EVERY_MS) {
          lastReport = Date.now();
          log(progressLine(dest, bytes, total));
        }
        done(null, chunk);
      },
    });

    try {
      await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), meter, createWriteStream(part));
    } catch (cause) {
      throw new Error(`download of ${url} failed after ${bytes} bytes: ${describe(cause, idle.signal, timeoutMs)}`, { cause });
    }
    log(progressLine(dest, bytes, total));

    const actual = hash.digest("hex");
    if (actual !== expected) {
      throw new Error(`sha256 mismatch for ${url}: expected ${expected}, got ${actual} (${bytes} bytes); nothing was kept`);
    }
    await rename(part, dest);
    return { path: dest, sha256: actual, bytes, skipped: false };
  } catch (error) {
    // No resume support, so a partial file is only clutter that could be mistaken for data.
    await rm(part, { force: true });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** sha256 and size of a file, or undefined when it does not exist. */
export async function fileSha256(path: string): Promise<{ sha256: string; bytes: number } | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

export function progressLine(name: string, bytes: number, total: number | undefined): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  if (!total) return `${name}: ${mb(bytes)} MB`;
  return `${name}: ${mb(bytes)} / ${mb(total)} MB (${Math.floor((100 * bytes) / total)}%)`;
}

function describe(cause: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted) return `no data for ${timeoutMs} ms (timed out)`;
  if (!(cause instanceof Error)) return String(cause);
  // undici reports every network failure as "fetch failed"; the reason (ENOTFOUND, ECONNREFUSED…) sits in .cause.
  const inner = cause.cause instanceof Error ? cause.cause : undefined;
  return inner ? `${cause.message} (${inner.message})` : cause.message;
}
