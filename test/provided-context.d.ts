// What test/global-setup.ts hands every test (both projects) through `provide`/`inject`.
import "vitest";

declare module "vitest" {
  interface ProvidedContext {
    /** The run's own redis-server (never one already on the machine) and the run's key prefix. */
    redis: { url: string; pid: number; keyPrefix: string };
    /** The Upstash REST bridge in front of that redis-server. */
    upstash: { url: string; token: string };
    webhookReceiver: string;
    /** Accepts every request and never answers (see test/unreachable.ts). */
    hungServer: string;
    /** The consumer Worker as `wrangler deploy` would upload it (dev/worker-bundle.ts): entry module first. */
    consumerBundle: { dir: string; modules: { name: string; type: "ESModule" | "CompiledWasm" | "Text" | "Data" }[] };
  }
}
