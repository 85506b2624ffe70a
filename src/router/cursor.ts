import type { QueueKey } from "./shard-key.ts";

/**
 * The listing's `next_cursor`: the place (urgency_level, arrival, ticket_id) of the last ticket on
 * a page, base64url-encoded so clients treat it as opaque. A place in the tenant's order, not a
 * shard's seq, so one cursor pages across every shard; paging by the sort key, not an offset,
 * keeps pages stable while tickets are claimed or popped. Cursors of the pre-shard format
 * ("q1:") are refused (422): a client restarts from the first page.
 */
const PREFIX = "q2:";

export function encodeCursor(pos: QueueKey): string {
  return btoa(`${PREFIX}${pos.urgency_level}:${pos.arrival}:${pos.ticket_id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The place a cursor names, or null when it is not one this service issued. */
export function decodeCursor(cursor: string): QueueKey | null {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(cursor)) return null;
  let text: string;
  try {
    text = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return null;
  }
  const m = /^q2:([0-9]{1,3}):([0-9]{1,17}):([0-9a-f-]{36})$/.exec(text);
  if (!m) return null;
  const arrival = Number(m[2]);
  if (!Number.isSafeInteger(arrival)) return null;
  return { urgency_level: Number(m[1]), arrival, ticket_id: m[3]! };
}
