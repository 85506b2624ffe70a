// The Upstash store when its endpoint refuses connections (Upstash unreachable). Runs in Node:
// the workerd tests use a backend that never answers instead, because workerd, run with
// --verbose by the test pool, prints every refused connection as an "uncaught exception"
// even when the code handles it.
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { StoreUnavailableError } from "./errors.ts";
import { UpstashTicketStore } from "./upstash.ts";

/** A loopback port that nothing listens on: bound by us a moment ago, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("UpstashTicketStore with a refused connection", () => {
  it("raises StoreUnavailableError naming the operation, from the refusal rather than the deadline", async () => {
    // A budget no test could reach: the refusal itself must end each call.
    const store = new UpstashTicketStore({ url: `http://127.0.0.1:${await closedPort()}`, token: "t", timeoutMs: 600_000 });
    const calls: Array<[string, () => Promise<unknown>]> = [
      ["ping", () => store.ping()],
      ["createPending", () => store.createPending({ ticket_id: "t1", subject: "s", body: "b", accepted_at: new Date(0).toISOString() })],
      ["getTicket", () => store.getTicket("t1")],
      ["acquireLock", () => store.acquireLock("t1", "o", 1000)],
      ["popNext", () => store.popNext()],
      ["counts", () => store.counts()],
    ];
    for (const [operation, call] of calls) {
      const error = await call().then(() => null, (e: unknown) => e);
      expect(error, operation).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).operation).toBe(operation);
      expect((error as Error).message, operation).not.toMatch(/timed out|aborted due to timeout/);
    }
  });
});
