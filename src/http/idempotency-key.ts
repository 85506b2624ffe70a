import { z } from "@hono/zod-openapi";
import type { TicketInput } from "../schemas/ticket.ts";
import { sha256Hex } from "../util/sha256.ts";

/**
 * The `Idempotency-Key` request header of both POST /v1/tickets and POST /v2/tickets: what the
 * header may hold, how long a key is remembered, and the fingerprint that tells a retry (same
 * body) from a misuse (same key, different body → 422). Where the key is remembered is each
 * version's own business (its Router shards for /v1, its ticket store for /v2); this module is
 * the one definition both follow.
 */

export const IDEMPOTENCY_HEADER = "Idempotency-Key";
/** A key is remembered this long after the first request that used it. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const IDEMPOTENCY_KEY_MAX = 255;
/** On a response that repeats a first answer instead of creating a ticket. */
export const IDEMPOTENT_REPLAYED_HEADER = "Idempotent-Replayed";

const KEY_MESSAGE = `Idempotency-Key must be 1-${IDEMPOTENCY_KEY_MAX} visible ASCII characters (a UUID is a good key)`;

/** The header as a route's request schema, so validation and OpenAPI come from one place. */
export const IdempotencyHeaderSchema = z.object({
  "idempotency-key": z
    .string({ error: KEY_MESSAGE })
    .regex(/^[\x21-\x7e]+$/, KEY_MESSAGE)
    .max(IDEMPOTENCY_KEY_MAX, KEY_MESSAGE)
    .optional()
    .openapi({
      // The key of this object and param.name must agree, or the OpenAPI generator refuses the route; header names are case-insensitive.
      param: { name: "idempotency-key", in: "header" },
      description:
        "Makes a retry safe: the same key within 24 hours returns the first request's ticket (same id, same status code) " +
        "with `Idempotent-Replayed: true`, never a second ticket. The same key with a different body is a 422.",
      example: "5f1d0c62-2f7e-4c44-9d7e-1f0a8c6b9e21",
    }),
});

/**
 * What identifies "the same body": the validated input (trimmed subject and body), so a retry
 * that differs only in JSON whitespace or key order is still the same request.
 */
export function requestFingerprint(input: TicketInput): Promise<string> {
  return sha256Hex(new TextEncoder().encode(JSON.stringify([input.subject, input.body])));
}

export const IDEMPOTENCY_MISMATCH_DETAIL =
  "Idempotency-Key was already used with a different body in the last 24 hours; use a new key for a new ticket.";
