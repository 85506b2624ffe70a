import type { TicketMessage } from "./queue/message.ts";

/**
 * The one Env type, derived from what `wrangler types` generates from wrangler.jsonc
 * (worker-configuration.d.ts: `npm run cf-typegen` rewrites it, `npm run typecheck` fails while
 * it is stale). Generated: the Durable Object namespaces with their classes (ROUTER, STORE),
 * MODELS, TICKET_QUEUE, WEBHOOK_THRESHOLD and the required secret API_TOKEN. Tightened here:
 * - TICKET_QUEUE carries TicketMessage, not `unknown`;
 * - the optional secrets, which wrangler.jsonc cannot declare without deploys requiring them;
 * - API_TOKEN and MODELS are optional. secrets.required makes deploys refuse to go out without
 *   API_TOKEN, but `wrangler dev` and the tests run without it (and then /v1 and /v2 are open);
 *   src/m2/model-source.ts treats a missing bucket as "no M2 model".
 * Settings are strings as Workers deliver them, parsed with defaults where they are read.
 */
export interface Env extends Omit<Cloudflare.Env, "API_TOKEN" | "MODELS"> {
  /** Bearer token for /v1 and /v2; unset = open (local dev and tests only: deploys require it). */
  API_TOKEN?: string;
  /** R2 bucket with the M2 encoder (npm run models:upload); without it /v2 scores with M1. */
  MODELS?: R2Bucket;
}

declare global {
  // `env` from "cloudflare:workers" / "cloudflare:test" is typed Cloudflare.Env, which the
  // generated file declares; what can be added or narrowed without contradicting it goes here,
  // so that `env` and Env differ only in API_TOKEN and MODELS being optional in Env (a property
  // the generated type requires cannot be made optional by merging). Cloudflare.Env is
  // assignable to Env, so tests pass `env` wherever the code wants an Env.
  namespace Cloudflare {
    interface Env {
      /** Cloudflare Queue carrying accepted /v2 tickets to the consumer. */
      TICKET_QUEUE: Queue<TicketMessage>;
      UPSTASH_REDIS_REST_URL?: string;
      UPSTASH_REDIS_REST_TOKEN?: string;
      WEBHOOK_URL?: string;
      WEBHOOK_FORMAT?: string;
      WEBHOOK_SECRET?: string;
      /** /v2: seconds a record stays readable after it leaves the queues (popped, drained, failed); default 86400. */
      V2_RETENTION_SECONDS?: string;
      /** /v2: seconds without any delivery activity before the sweeper re-sends a pending ticket; default 600. */
      V2_SWEEP_AFTER_SECONDS?: string;
    }
  }
}
