import type { ListPosition } from "./types.ts";

/**
 * The /v2 listing's `next_cursor`: the (urgency_score, ticket_id) of a page's last ticket,
 * base64url-encoded so clients treat it as opaque (the format may change; the version tag
 * lets a later one refuse this one cleanly). The score is written as JavaScript prints a
 * number, which reads back as the very same double, so the next page starts exactly after it.
 */

const TAG = "v2q1";
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function encodeListCursor(pos: ListPosition): string {
  return btoa(`${TAG}|${pos.score}|${pos.id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The position a cursor names, or null when it is not one this service issued. */
export function decodeListCursor(cursor: string): ListPosition | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  let text: string;
  try {
    text = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return null;
  }
  const [tag, score, id, ...rest] = text.split("|");
  if (tag !== TAG || rest.length > 0 || score === undefined || id === undefined || !ID.test(id)) return null;
  // Only what String(number) prints for a finite number: no blanks, hex or "Infinity".
  if (!/^-?(\d+(\.\d+)?)(e[+-]\d+)?$/.test(score)) return null;
  const value = Number(score);
  return Number.isFinite(value) ? { score: value, id } : null;
}
