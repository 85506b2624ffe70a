import { DEFAULT_TENANT } from "../http/tenant-name.ts";
import { CATEGORIES, type Category } from "../ml/categories.ts";

/**
 * Names of a tenant's /v1 Durable Objects (all instances of the one `Router` class), the ticket
 * ids that say which shard holds a ticket, and the order key the shards are compared by.
 */

export { DEFAULT_TENANT };
/** The name of tenant default's single Router before sharding. */
export const ROUTER_NAME = "global";

/**
 * The one place a shard's name is made: one Router per (tenant, category). A later lane (e.g.
 * "review") extends the key here and nowhere else. Tenant names cannot contain ':' (TenantNameSchema).
 */
export function shardName(tenant: string, category: Category): string {
  return `v1:${tenant}:${category}`;
}

/**
 * The Router a tenant had before sharding ("global" for default, `tenant:<name>` otherwise). It
 * never receives a new ticket; it takes part in every read and take until it is empty.
 */
export function legacyRouterName(tenant: string): string {
  return tenant === DEFAULT_TENANT ? ROUTER_NAME : `tenant:${tenant}`;
}

/**
 * Idempotency keys live in their own Router instances, spread by the key's hash. The count is
 * part of where a key lives: changing it forgets every remembered key (for up to 24 hours).
 */
export const KEY_SHARDS = 8;
export function keyShardName(tenant: string, keyHash: string): string {
  return `v1-keys:${tenant}:${Number.parseInt(keyHash.slice(0, 6), 16) % KEY_SHARDS}`;
}

/** Every object name that holds state for a tenant (tests set clocks on all of them). */
export function tenantObjectNames(tenant: string): { shards: string[]; legacy: string; keys: string[] } {
  return {
    shards: CATEGORIES.map((c) => shardName(tenant, c)),
    legacy: legacyRouterName(tenant),
    keys: Array.from({ length: KEY_SHARDS }, (_, i) => `v1-keys:${tenant}:${i}`),
  };
}

/** FNV-1a, 12 bits: a category's tag inside its tickets' ids. Stable across model retrains (it hashes the name). */
function categoryTag(category: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < category.length; i++) {
    h ^= category.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h ^ (h >>> 12) ^ (h >>> 24)) & 0xfff;
}

const V8_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-8([0-9a-f]{3})-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * A ticket id for a ticket of `category`: an RFC 9562 version-8 UUID, random but for the 12 bits
 * after the version digit, which carry the category's tag. So ack, release and lookup, which get
 * only the id, go straight to the one shard instead of asking every shard.
 */
export function ticketIdFor(category: Category): string {
  const id = crypto.randomUUID(); // version 4: xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx
  return `${id.slice(0, 14)}8${categoryTag(category).toString(16).padStart(3, "0")}${id.slice(18)}`;
}

/**
 * Where a ticket id can live: the categories whose tag it carries (a tag collision names more
 * than one), or "legacy" for an id the pre-shard Router made (version 4), or [] for neither.
 */
export function shardsOfTicketId(ticketId: string): Category[] | "legacy" {
  const id = ticketId.toLowerCase();
  const m = V8_ID.exec(id);
  if (!m) return /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id) ? "legacy" : [];
  const tag = Number.parseInt(m[1]!, 16);
  return CATEGORIES.filter((c) => categoryTag(c) === tag);
}

/**
 * Where a ticket stands in its tenant's order: urgency_level ascending, then arrival (a
 * microsecond-scale number, strictly increasing within a shard), then ticket id (only ever
 * decides between two shards' tickets that arrived in the same microsecond slot).
 */
export interface QueueKey {
  urgency_level: number;
  arrival: number;
  ticket_id: string;
}

export function compareKeys(a: QueueKey, b: QueueKey): number {
  return a.urgency_level - b.urgency_level || a.arrival - b.arrival || (a.ticket_id < b.ticket_id ? -1 : a.ticket_id > b.ticket_id ? 1 : 0);
}

let lastArrival = 0;
/**
 * The arrival key of a ticket accepted now: epoch milliseconds × 1000 plus a counter, strictly
 * increasing within this isolate, so sequential POSTs keep their order across shards even within
 * one millisecond. Across isolates it is as good as their clocks (milliseconds).
 */
export function nextArrival(nowMs: number = Date.now()): number {
  lastArrival = Math.max(lastArrival + 1, nowMs * 1000);
  return lastArrival;
}
