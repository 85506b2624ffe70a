import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { call } from "./helpers.ts";

// The page itself (the browser half is test-browser/dashboard.test.ts): public, never cached,
// same-origin only, and not part of the API's OpenAPI document.

const FILES = [
  { path: "/dashboard", type: /^text\/html/ },
  { path: "/dashboard/app.js", type: /^text\/javascript/ },
  { path: "/dashboard/style.css", type: /^text\/css/ },
];

describe("GET /dashboard", () => {
  it.each(FILES)("$path answers 200 with its type, no-store and a same-origin CSP", async ({ path, type }) => {
    const res = await call(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(type);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect((await res.text()).length).toBeGreaterThan(0);
  });

  it("loads only its own script and stylesheet, nothing from another origin", async () => {
    const html = await (await call("/dashboard")).text();
    expect(html).toContain('<script type="module" src="/dashboard/app.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/dashboard/style.css">');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    // No inline script: the CSP would refuse it.
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it("serves the script the page needs, reading each section's data from the API", async () => {
    const js = await (await call("/dashboard/app.js")).text();
    for (const route of ["/v1/tickets/status", "/v1/tickets?state=claimed", "/v1/tickets?state=queued", "/health", "/v1/tickets/activity", "/v1/tickets/claim", "queue=review", "/category"]) {
      expect(js).toContain(route);
    }
    expect(js).not.toContain("innerHTML");
  });

  it.each(FILES)("HEAD $path answers like GET without a body", async ({ path, type }) => {
    const res = await call(path, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(type);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.text()).toBe("");
  });

  it("is public even when the API needs a token (the data calls carry it)", async () => {
    const app = createApp();
    const secured = { ...env, API_TOKEN: "s3cret-token" };
    const get = (path: string) => app.fetch(new Request(`http://edge.test${path}`), secured, createExecutionContext());
    expect((await get("/dashboard")).status).toBe(200);
    expect((await get("/dashboard/app.js")).status).toBe(200);
    expect((await get("/v1/tickets/status")).status).toBe(401);
  });

  it("is not an API operation: /openapi.json does not list it", async () => {
    const spec = (await (await call("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths).filter((p) => p.startsWith("/dashboard"))).toEqual([]);
  });

  it("refuses other methods with 405 and JSON", async () => {
    const res = await call("/dashboard", { method: "POST" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("GET");
  });
});
