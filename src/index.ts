import { Hono } from "hono";
export { Router } from "./router/router-do.ts";

const app = new Hono<{ Bindings: Env }>();
app.get("/health", async (c) => {
  const stub = c.env.ROUTER.getByName("global");
  return c.json({ status: "ok", depth: await stub.depth() });
});
export default app;
