import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { safeHead } from "./safe-head.ts";

/** A toy queue with the shape of the real routes: `next` pops, `peek` does not. */
function queueApp(withPeek: boolean) {
  const items = ["a", "b"];
  const q = new Hono();
  q.get("/items/next", (c) => {
    const item = items.shift();
    return item ? c.json({ item }, 200, { "X-Answered-By": "next" }) : c.json({ detail: "empty" }, 404);
  });
  if (withPeek) {
    q.get("/items/peek", (c) =>
      items[0] ? c.json({ item: items[0] }, 200, { "X-Answered-By": "peek" }) : c.json({ detail: "empty" }, 404),
    );
  }
  q.get("/items/count", (c) => c.json({ n: items.length }, 200, { "X-Answered-By": "count" }));
  const app = new Hono();
  app.use(safeHead(app, { "/q/items/next": "/q/items/peek" }));
  app.route("/q", q);
  return { app, items };
}

const head = (app: Hono, path: string) => app.request(path, { method: "HEAD" });

describe("safeHead", () => {
  it("answers HEAD on a state-changing GET as the GET of its safe twin, changing nothing", async () => {
    const { app, items } = queueApp(true);
    for (const path of ["/q/items/next", "/q/items/%6Eext", "/q/items/next?limit=1"]) {
      const res = await head(app, path);
      expect(res.status).toBe(200);
      expect(res.headers.get("X-Answered-By")).toBe("peek");
      expect(await res.text()).toBe("");
    }
    expect(items).toEqual(["a", "b"]);

    items.length = 0;
    expect((await head(app, "/q/items/next")).status).toBe(404);
  });

  it("answers 405 with Allow when the twin is not registered, changing nothing", async () => {
    const { app, items } = queueApp(false);
    const res = await head(app, "/q/items/next");
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("GET");
    expect(await res.text()).toBe("");
    expect(items).toEqual(["a", "b"]);
  });

  it("leaves GET and HEAD on safe routes alone", async () => {
    const { app, items } = queueApp(true);
    const count = await head(app, "/q/items/count");
    expect(count.status).toBe(200);
    expect(count.headers.get("X-Answered-By")).toBe("count");
    expect(await (await app.request("/q/items/next")).json()).toEqual({ item: "a" });
    expect(items).toEqual(["b"]);
    expect((await head(app, "/q/nope")).status).toBe(404);
  });
});
