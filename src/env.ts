import type { TicketMessage } from "./queue/message.ts";

/**
 * The one Env type, derived from what `wrangler types` generates from the API Worker's
 * wrangler.jsonc (worker-configuration.d.ts: `npm run cf-typegen` rewrites it, `npm run
 * typecheck` fails while it is stale). Generated: the Durable Object namespaces with their classes
 * (ROUTER, STORE), TICKET_QUEUE and the required secret API_TOKEN. Tightened here:
 * - TICKET_QUEUE carries TicketMessage, not `unknown`;
 * - the optional secrets, which wrangler.jsonc cannot declare without deploys requiring them;
 * - API_TOKEN is optional. secrets.required makes deploys refuse to go out without it, but
 *   `wrangler dev` and the tests run without it (and then /v1 and /v2 are open);
 * - the consumer Worker's own bindings (MODELS, WEBHOOK_THRESHOLD), optional, since the API
 *   Worker does not have them.
 * Settings are strings as Workers deliver them, parsed with defaults where they are read.
 *
 * Each Worker's handlers take the part of Env its configuration binds: ApiEnv (src/index.ts) and
 * ConsumerEnv (src/consumer.ts), so code reachable from one entry cannot use a binding only the
 * other has without failing `npm run typecheck`. Only one Worker's types can be generated into the
 * program (both would declare Cloudflare.GlobalProps.mainModule), so ConsumerEnv is picked from
 * Env by hand and dev/wrangler-config.test.ts checks it against wrangler.consumer.jsonc.
 */
export interface Env extends Omit<Cloudflare.Env, "API_TOKEN" | "MODELS" | "WEBHOOK_THRESHOLD" | "RATE_LIMITER"> {
  /** Bearer token for /v1 and /v2 (tenant `default`); unset = open (local dev and tests only: deploys require it). */
  API_TOKEN?: string;
  /** Workers rate-limiting binding (wrangler.jsonc ratelimits); optional: absent = no limit (src/http/rate-limit.ts). */
  RATE_LIMITER?: RateLimit;
  /** Consumer only: R2 bucket with the M2 encoder (npm run models:upload); without it /v2 scores with M1. */
  MODELS?: R2Bucket;
  /** Consumer only: alert above this urgency score (wrangler.consumer.jsonc vars; default 0.8). */
  WEBHOOK_THRESHOLD?: string;
}

/** Bindings both Workers read: the ticket store, the /v2 lifetime settings and the review thresholds. */
type SharedKeys = "STORE" | "UPSTASH_REDIS_REST_URL" | "UPSTASH_REDIS_REST_TOKEN" | "V2_RETENTION_SECONDS" | "V2_SWEEP_AFTER_SECONDS" | "REVIEW_THRESHOLDS";

/** The API Worker (wrangler.jsonc): routes, Durable Objects, producer, sweeper. */
export type ApiEnv = Omit<Env, ConsumerOnlyKey>;

/** Bindings only the consumer Worker has. */
export const CONSUMER_ONLY_BINDINGS = ["MODELS", "WEBHOOK_THRESHOLD", "WEBHOOK_URL", "WEBHOOK_FORMAT", "WEBHOOK_SECRET", "M2_SERVE"] as const;
type ConsumerOnlyKey = (typeof CONSUMER_ONLY_BINDINGS)[number];

/**
 * The consumer Worker (wrangler.consumer.jsonc): STORE is the API Worker's EmbeddedStore, bound
 * by script_name. No ROUTER, no TICKET_QUEUE producer, no API_TOKEN.
 */
export type ConsumerEnv = Pick<Env, SharedKeys | ConsumerOnlyKey>;

declare global {
  // `env` from "cloudflare:workers" / "cloudflare:test" is typed Cloudflare.Env, which the
  // generated file declares; what can be added or narrowed without contradicting it goes here,
  // so that `env` and Env differ only in API_TOKEN being optional in Env (a property the
  // generated type requires cannot be made optional by merging). Cloudflare.Env is assignable
  // to Env, so tests pass `env` wherever the code wants an Env.
  namespace Cloudflare {
    interface Env {
      /** Cloudflare Queue carrying accepted /v2 tickets to the consumer. */
      TICKET_QUEUE: Queue<TicketMessage>;
      UPSTASH_REDIS_REST_URL?: string;
      UPSTASH_REDIS_REST_TOKEN?: string;
      WEBHOOK_URL?: string;
      WEBHOOK_FORMAT?: string;
      WEBHOOK_SECRET?: string;
      /** Consumer: auto (default: the heads' serve block decides), m2 or m1 for both fields (src/m2/serve-setting.ts). */
      M2_SERVE?: string;
      /** API Worker: JSON {"<token>": {"tenant": "acme", "agent": "alice"}, ...}: tenants from bearer tokens (src/http/tenant.ts). */
      API_TOKENS?: string;
      /** API Worker: comma-separated browser origins given CORS headers; unset = none (src/http/cors.ts). */
      CORS_ORIGINS?: string;
      /** API Worker: "on" enforces the per-tenant RATE_LIMITER budget; anything else = no limit (src/http/rate-limit.ts). */
      RATE_LIMIT?: string;
      /**
       * Both Workers (/v1 routes in the API Worker, /v2 in the consumer): JSON {"default"?: 0..1,
       * "per_category"?: {...}} over models/m1/routing.json; malformed = the bundled thresholds,
       * reported in /health (src/routing/bands.ts).
       */
      REVIEW_THRESHOLDS?: string;
      /** /v2: seconds a record stays readable after it leaves the queues (popped, drained, failed); default 86400. */
      V2_RETENTION_SECONDS?: string;
      /** /v2: seconds without any delivery activity before the sweeper re-sends a pending ticket; default 600. */
      V2_SWEEP_AFTER_SECONDS?: string;
    }
  }
}
