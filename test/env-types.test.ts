// Type-level checks of src/env.ts (they fail `npm run typecheck`, which `npm test` runs first):
// Env must stay the generated WranglerEnv narrowed as documented there, so a regenerated
// worker-configuration.d.ts cannot silently widen what the code relies on; and each Worker's
// handlers see only the bindings its configuration gives it.
import { env } from "cloudflare:workers";
import { describe, expectTypeOf, it } from "vitest";
import type { ApiEnv, ConsumerEnv, Env } from "../src/env.ts";
import type { TicketMessage } from "../src/queue/message.ts";
import type { Router } from "../src/router/router-do.ts";
import type { EmbeddedStore } from "../src/store/embedded-do.ts";

describe("Env", () => {
  it("narrows the generated bindings", () => {
    expectTypeOf<Env["TICKET_QUEUE"]>().toEqualTypeOf<Queue<TicketMessage>>();
    expectTypeOf<Env["ROUTER"]>().toEqualTypeOf<DurableObjectNamespace<Router>>();
    expectTypeOf<Env["STORE"]>().toEqualTypeOf<DurableObjectNamespace<EmbeddedStore>>();
  });

  it("makes what a runtime may lack optional", () => {
    expectTypeOf<Env["API_TOKEN"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Env["MODELS"]>().toEqualTypeOf<R2Bucket | undefined>();
    expectTypeOf<Env["WEBHOOK_THRESHOLD"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Env["UPSTASH_REDIS_REST_URL"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Env["WEBHOOK_SECRET"]>().toEqualTypeOf<string | undefined>();
  });

  it("gives the API Worker no consumer binding, and the consumer neither ROUTER, the producer nor API_TOKEN", () => {
    expectTypeOf<ApiEnv>().toHaveProperty("ROUTER");
    expectTypeOf<ApiEnv>().toHaveProperty("TICKET_QUEUE");
    expectTypeOf<ApiEnv>().not.toHaveProperty("MODELS");
    expectTypeOf<ApiEnv>().not.toHaveProperty("WEBHOOK_URL");
    expectTypeOf<ConsumerEnv>().toHaveProperty("STORE");
    expectTypeOf<ConsumerEnv>().toHaveProperty("MODELS");
    expectTypeOf<ConsumerEnv>().not.toHaveProperty("ROUTER");
    expectTypeOf<ConsumerEnv>().not.toHaveProperty("TICKET_QUEUE");
    expectTypeOf<ConsumerEnv>().not.toHaveProperty("API_TOKEN");
  });

  it("accepts the env the runtime provides", () => {
    expectTypeOf(env).toExtend<Env>();
    expectTypeOf(env).toExtend<ApiEnv>();
    expectTypeOf(env.TICKET_QUEUE).toEqualTypeOf<Queue<TicketMessage>>();
    // Present at runtime too, so the narrowing above describes the bindings the tests get.
    expectTypeOf(env.ROUTER).not.toBeAny();
  });
});
