import { Hono, type MiddlewareHandler } from "hono";
import { DASHBOARD_CSS } from "../dashboard/style.ts";
import { DASHBOARD_HTML, DASHBOARD_CSP } from "../dashboard/page.ts";
import { DASHBOARD_JS } from "../dashboard/script.ts";
import type { Env } from "../env.ts";

/**
 * GET /dashboard: a page for the people who work the /v1 queue. Not an API route, so a plain
 * Hono app (never in /openapi.json). The page and its files are public; the data calls the
 * script makes carry the token the person entered, and /v1's auth decides what they see.
 */
export const dashboard = new Hono<{ Bindings: Env }>();

/**
 * no-store: the page's three files change together with each deploy and are tiny, so a cached
 * old script against a new page (or new API) is never worth the saved bytes. The CSP allows
 * only this origin's script, stylesheet and fetches: ticket text is user input, and should any
 * of it ever reach markup, an injected inline script or handler still does not run.
 */
const headers: MiddlewareHandler = async (c, next) => {
  await next();
  c.header("Cache-Control", "no-store");
  c.header("Content-Security-Policy", DASHBOARD_CSP);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
};

dashboard.use("/dashboard", headers);
dashboard.use("/dashboard/*", headers);
dashboard.get("/dashboard", (c) => c.html(DASHBOARD_HTML));
dashboard.get("/dashboard/app.js", (c) => c.body(DASHBOARD_JS, 200, { "Content-Type": "text/javascript; charset=utf-8" }));
dashboard.get("/dashboard/style.css", (c) => c.body(DASHBOARD_CSS, 200, { "Content-Type": "text/css; charset=utf-8" }));
