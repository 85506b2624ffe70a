import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildAssets, type VendorPackage } from "./build-assets.ts";

let root: string;
let outDir: string;
const PKG: VendorPackage = { name: "ui-dist", dir: "ui", files: ["dist/ui.js", "LICENSE"] };

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}
function install(version: string, pinned = version): void {
  write("package.json", JSON.stringify({ devDependencies: { "ui-dist": pinned } }));
  write("node_modules/ui-dist/package.json", JSON.stringify({ version }));
  write("node_modules/ui-dist/dist/ui.js", `console.log("ui ${version}");`);
  write("node_modules/ui-dist/LICENSE", "MIT");
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "build-assets-"));
  outDir = join(root, "public/vendor");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("buildAssets", () => {
  it("copies the listed files byte for byte, flat under the package's folder", () => {
    install("1.2.3");
    const result = buildAssets({ root, outDir, packages: [PKG] });
    expect(result.files.map((f) => f.path).sort()).toEqual(["ui/LICENSE", "ui/ui.js"]);
    expect(readFileSync(join(outDir, "ui/ui.js"), "utf8")).toBe('console.log("ui 1.2.3");');
  });

  it("rewrites nothing that is already current, and replaces what changed", () => {
    install("1.2.3");
    buildAssets({ root, outDir, packages: [PKG] });
    expect(buildAssets({ root, outDir, packages: [PKG] }).files.every((f) => !f.written)).toBe(true);
    install("1.2.4");
    const again = buildAssets({ root, outDir, packages: [PKG] });
    expect(again.files.find((f) => f.path === "ui/ui.js")?.written).toBe(true);
    expect(readFileSync(join(outDir, "ui/ui.js"), "utf8")).toBe('console.log("ui 1.2.4");');
  });

  it("removes files no package lists any more, so they are not deployed", () => {
    install("1.2.3");
    mkdirSync(join(outDir, "ui"), { recursive: true });
    writeFileSync(join(outDir, "ui/old-chunk.js"), "stale");
    expect(buildAssets({ root, outDir, packages: [PKG] }).removed).toEqual(["ui/old-chunk.js"]);
    expect(existsSync(join(outDir, "ui/old-chunk.js"))).toBe(false);
  });

  it("refuses an installed version other than the exact pin", () => {
    install("1.2.3", "1.2.4");
    expect(() => buildAssets({ root, outDir, packages: [PKG] })).toThrow(/ui-dist 1\.2\.3 is installed but package.json pins 1\.2\.4/);
  });

  it("refuses a range instead of an exact version", () => {
    install("1.2.3", "^1.2.3");
    expect(() => buildAssets({ root, outDir, packages: [PKG] })).toThrow(/pin an exact version/);
  });

  it("refuses a package that no longer ships a listed file, naming it", () => {
    install("1.2.3");
    rmSync(join(root, "node_modules/ui-dist/dist/ui.js"));
    expect(() => buildAssets({ root, outDir, packages: [PKG] })).toThrow(/ui-dist@1\.2\.3 has no dist\/ui\.js/);
    expect(existsSync(join(outDir, "ui/LICENSE")), "nothing copied from a broken plan").toBe(false);
  });

  it("builds the real vendor files from this checkout's node_modules", () => {
    const result = buildAssets({ outDir });
    expect(result.files.map((f) => f.path).sort()).toEqual([
      "redoc/LICENSE",
      "redoc/redoc.standalone.js",
      "redoc/redoc.standalone.js.LICENSE.txt",
      "swagger-ui-dist/LICENSE",
      "swagger-ui-dist/NOTICE",
      "swagger-ui-dist/swagger-ui-bundle.js",
      "swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt",
      "swagger-ui-dist/swagger-ui.css",
    ]);
  });
});
