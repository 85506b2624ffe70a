// /docs and /redoc must work with no network: their HTML may name only same-origin files, the
// ones dev/build-assets.ts copies into the static-assets directory. (vitest-pool-workers does
// not serve static assets, so that the files load and render is npm run test:browser's job.)
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";

// The app itself, imported up front, so no test pays for loading the Worker's modules.
const app = createApp();
const call = (path: string) => app.fetch(new Request(`http://edge.test${path}`), env, createExecutionContext());

const PAGES = {
  "/docs": ["/vendor/swagger-ui-dist/swagger-ui.css", "/vendor/swagger-ui-dist/swagger-ui-bundle.js"],
  "/redoc": ["/vendor/redoc/redoc.standalone.js"],
};

describe.each(Object.entries(PAGES))("%s", (path, assets) => {
  it("names no URL outside this origin", async () => {
    const html = await (await call(path)).text();
    expect(html).not.toMatch(/https?:\/\//i);
    const refs = [...html.matchAll(/\b(?:src|href|spec-url)\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(ref).toMatch(/^\/(?!\/)/);
  });

  it("loads the vendored bundles and the spec from this origin", async () => {
    const html = await (await call(path)).text();
    const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1]!);
    expect(refs.sort()).toEqual([...assets].sort());
    expect(html).toContain("/openapi.json");
  });

  it("tells the browser to fetch nothing from elsewhere", async () => {
    const csp = (await call(path)).headers.get("content-security-policy") ?? "";
    const directives: Record<string, string[]> = Object.fromEntries(
      csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]),
    );
    expect(directives["default-src"]).toEqual(["'none'"]);
    for (const name of ["script-src", "style-src", "connect-src", "img-src", "font-src"]) {
      expect(directives[name], name).toContain("'self'");
      expect(directives[name]!.filter((v: string) => !["'self'", "'unsafe-inline'", "data:"].includes(v)), name).toEqual([]);
    }
  });
});
