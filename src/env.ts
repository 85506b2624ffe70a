import type { Router } from "./router/router-do.ts";
import type { EmbeddedStore } from "./store/embedded-do.ts";
import type { TicketMessage } from "./queue/message.ts";

/**
 * The one Env type: every binding (wrangler.toml) and every setting (vars / secrets).
 * Settings are strings as Workers deliver them; the module that uses one parses it and
 * supplies its default (webhooks/config.ts, store/select.ts, http/auth.ts).
 */
export interface Env {
  /** Durable Object holding M1 and the /v1 priority queue. */
  ROUTER: DurableObjectNamespace<Router>;
  /** Embedded ticket store for /v2, used when Upstash is not configured. */
  STORE: DurableObjectNamespace<EmbeddedStore>;
  /** Cloudflare Queue carrying accepted /v2 tickets to the consumer. */
  TICKET_QUEUE: Queue<TicketMessage>;
  /** R2 bucket with the M2 encoder (production); absent locally. */
  MODELS?: R2Bucket;

  API_TOKEN?: string;
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  WEBHOOK_URL?: string;
  WEBHOOK_FORMAT?: string;
  WEBHOOK_SECRET?: string;
  WEBHOOK_THRESHOLD?: string;
  /** /v2: seconds a record stays readable after it leaves the queues (popped, drained, failed); default 86400. */
  V2_RETENTION_SECONDS?: string;
  /** /v2: seconds without any delivery activity before the sweeper re-sends a pending ticket; default 600. */
  V2_SWEEP_AFTER_SECONDS?: string;
}

type AppEnv = Env;
declare global {
  // Lets `env` from "cloudflare:workers" / "cloudflare:test" carry the same type.
  namespace Cloudflare {
    interface Env extends AppEnv {}
  }
}
