import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { datasetUrl, main } from "./fetch.ts";
import { FULL_DATASET_NAME } from "./load.ts";
import { downloadVerified, progressLine } from "./download.ts";

// Big enough to span several chunks, small enough to keep the test instant.
const PAYLOAD = Buffer.from("subject,body,queue\n" + "s,b,IT Support\n".repeat(20_000));
const PAYLOAD_SHA = createHash("sha256").update(PAYLOAD).digest("hex");
const WRONG_SHA = "0".repeat(64);
const DATASET_PATH = `/datasets/Tobi-Bueck/customer-support-tickets/resolve/main/${FULL_DATASET_NAME}`;

let server: Server;
let base: string;
let dir: string;
const seen: { url: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    if (req.url === "/file.csv" || req.url === DATASET_PATH) {
      res.writeHead(200, { "content-length": PAYLOAD.length });
      res.end(PAYLOAD);
    } else if (req.url === "/moved") {
      res.writeHead(302, { location: "/file.csv" });
      res.end();
    } else if (req.url === "/stall") {
      res.writeHead(200, { "content-length": PAYLOAD.length });
      res.write(PAYLOAD.subarray(0, 100)); // then never finishes
    } else {
      res.writeHead(404, "Not Found");
      res.end("no such file");
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await rm(dir, { recursive: true, force: true });
  await new Promise((ok) => server.close(ok));
});

beforeEach(async () => {
  seen.length = 0;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = await mkdtemp(join(tmpdir(), "download-test-"));
});

const quiet = { log: () => {} };

describe("downloadVerified", () => {
  it("downloads, verifies and renames into place, creating the folder", async () => {
    const dest = join(dir, "sub", "file.csv");
    const lines: string[] = [];
    const result = await downloadVerified({ url: `${base}/file.csv`, dest, sha256: PAYLOAD_SHA.toUpperCase(), log: (l) => lines.push(l) });
    expect(result).toEqual({ path: dest, sha256: PAYLOAD_SHA, bytes: PAYLOAD.length, skipped: false });
    expect((await readFile(dest)).equals(PAYLOAD)).toBe(true);
    expect(await readdir(join(dir, "sub"))).toEqual(["file.csv"]); // no .part left
    expect(lines.at(-1)).toMatch(/\(100%\)$/);
  });

  it("follows redirects, as the hub answers with one to its CDN", async () => {
    const dest = join(dir, "file.csv");
    await downloadVerified({ url: `${base}/moved`, dest, sha256: PAYLOAD_SHA, ...quiet });
    expect(seen.map((s) => s.url)).toEqual(["/moved", "/file.csv"]);
    expect((await readFile(dest)).equals(PAYLOAD)).toBe(true);
  });

  it("on a hash mismatch names both hashes and leaves no file behind", async () => {
    const dest = join(dir, "file.csv");
    const attempt = downloadVerified({ url: `${base}/file.csv`, dest, sha256: WRONG_SHA, ...quiet });
    await expect(attempt).rejects.toThrow(`expected ${WRONG_SHA}, got ${PAYLOAD_SHA}`);
    expect(await readdir(dir)).toEqual([]);
  });

  it("reports HTTP errors with status and URL, leaving no file behind", async () => {
    const dest = join(dir, "file.csv");
    const attempt = downloadVerified({ url: `${base}/nope`, dest, sha256: PAYLOAD_SHA, ...quiet });
    await expect(attempt).rejects.toThrow(`download of ${base}/nope failed: HTTP 404 Not Found`);
    expect(await readdir(dir)).toEqual([]);
  });

  it("names the network reason when nothing answers", async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, "127.0.0.1", ok));
    const { port } = closed.address() as AddressInfo;
    await new Promise((ok) => closed.close(ok));
    const attempt = downloadVerified({ url: `http://127.0.0.1:${port}/f`, dest: join(dir, "f"), sha256: PAYLOAD_SHA, ...quiet });
    await expect(attempt).rejects.toThrow(/ECONNREFUSED/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("skips the request when the file is already there with the right hash", async () => {
    const dest = join(dir, "file.csv");
    await writeFile(dest, PAYLOAD);
    const result = await downloadVerified({ url: `${base}/file.csv`, dest, sha256: PAYLOAD_SHA, ...quiet });
    expect(result.skipped).toBe(true);
    expect(result.bytes).toBe(PAYLOAD.length);
    expect(seen).toEqual([]);
  });

  it("replaces a present file whose hash is wrong", async () => {
    const dest = join(dir, "file.csv");
    await writeFile(dest, "stale");
    const result = await downloadVerified({ url: `${base}/file.csv`, dest, sha256: PAYLOAD_SHA, ...quiet });
    expect(result.skipped).toBe(false);
    expect((await readFile(dest)).equals(PAYLOAD)).toBe(true);
  });

  it("gives up when the server stops sending, and cleans up the partial file", async () => {
    const dest = join(dir, "file.csv");
    const attempt = downloadVerified({ url: `${base}/stall`, dest, sha256: PAYLOAD_SHA, timeoutMs: 200, ...quiet });
    await expect(attempt).rejects.toThrow(/no data for 200 ms/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("rejects a malformed expected hash before touching the network", async () => {
    await expect(downloadVerified({ url: `${base}/file.csv`, dest: join(dir, "f"), sha256: "abc", ...quiet })).rejects.toThrow(/64 hex/);
    expect(seen).toEqual([]);
  });

  it("formats progress with and without a known size", () => {
    expect(progressLine("f", 2_500_000, 10_000_000)).toBe("f: 2.5 / 10.0 MB (25%)");
    expect(progressLine("f", 2_500_000, undefined)).toBe("f: 2.5 MB");
  });
});

describe("dataset/fetch.ts", () => {
  it("builds the hub URL and honours a custom endpoint with a trailing slash", () => {
    expect(datasetUrl()).toBe(
      "https://huggingface.co/datasets/Tobi-Bueck/customer-support-tickets/resolve/main/aa_dataset-tickets-multi-lang-5-2-50-version.csv",
    );
    expect(datasetUrl("http://mirror.local/")).toBe(`http://mirror.local${DATASET_PATH}`);
  });

  it("main downloads from HF_ENDPOINT with the HF_TOKEN bearer and exits 0", async () => {
    const dest = join(dir, "data", FULL_DATASET_NAME);
    const code = await main({ env: { HF_ENDPOINT: base, HF_TOKEN: "hf_test" }, dest, sha256: PAYLOAD_SHA, ...quiet });
    expect(code).toBe(0);
    expect(seen.map((s) => [s.url, s.headers.authorization])).toEqual([[DATASET_PATH, "Bearer hf_test"]]);
    expect((await readFile(dest)).equals(PAYLOAD)).toBe(true);
  });

  it("main exits 1 on a checksum mismatch and keeps nothing", async () => {
    const dest = join(dir, "data", FULL_DATASET_NAME);
    const code = await main({ env: { HF_ENDPOINT: base }, dest, sha256: WRONG_SHA, ...quiet });
    expect(code).toBe(1);
    expect(seen[0]?.headers.authorization).toBeUndefined();
    expect(existsSync(dest) || existsSync(`${dest}.part`)).toBe(false);
  });
});
