import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "training/tokenize.ts");
// The CLI relies on Node 22 type stripping; the repo's own Node guarantees it.
const LOCAL_NODE = join(ROOT, "node_modules/.bin/node");
const NODE = existsSync(LOCAL_NODE) ? LOCAL_NODE : process.execPath;

const dir = mkdtempSync(join(tmpdir(), "tokenize-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function tokenize(...args: string[]) {
  const result = spawnSync(NODE, [CLI, ...args], { encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const HELLO = [101, 7592, 1010, 2088, 999, 102];
const SERVER = [101, 8241, 2003, 2091, 1010, 2342, 2393, 17306, 2361, 102];

describe("tokenize CLI", () => {
  const texts = file("texts.json", JSON.stringify(["Hello, World!", "Server is down, need help ASAP", ""]));

  it("prints only a JSON array of id arrays on stdout", () => {
    const { code, stdout } = tokenize(texts);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([HELLO, SERVER, [101, 102]]);
  });

  it("truncates with --max-length and not at all with --no-truncate", () => {
    expect(JSON.parse(tokenize("--max-length", "4", texts).stdout)).toEqual([
      [101, 7592, 1010, 102],
      [101, 8241, 2003, 102],
      [101, 102],
    ]);
    const long = file("long.json", JSON.stringify([Array(200).fill("server").join(" ")]));
    expect(JSON.parse(tokenize(long).stdout)[0]).toHaveLength(128);
    expect(JSON.parse(tokenize("--no-truncate", long).stdout)[0]).toHaveLength(202);
  });

  it.each([
    ["no file", []],
    ["two files", ["a.json", "b.json"]],
    ["an unknown option", ["--bogus", "x.json"]],
    ["a non-numeric --max-length", ["--max-length", "ten", "x.json"]],
    ["a --max-length below 2", ["--max-length", "1", "x.json"]],
    ["both --max-length and --no-truncate", ["--max-length", "8", "--no-truncate", "x.json"]],
  ])("exits 2 with a message for %s", (_label, args) => {
    const { code, stdout, stderr } = tokenize(...args);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^tokenize: .+\nusage: /);
  });

  it.each([
    ["a missing file", join(dir, "missing.json"), /cannot read/],
    ["invalid JSON", file("bad.json", "[\"a\","), /is not JSON/],
    ["a JSON object", file("object.json", '{"text": "a"}'), /must hold a JSON array of strings/],
    ["a non-string element", file("mixed.json", '["a", 3]'), /element 1 is not a string/],
  ])("exits 2 with a message for %s", (_label, path, message) => {
    const { code, stdout, stderr } = tokenize(path);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(message);
  });
});
