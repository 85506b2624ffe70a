/**
 * The listing's `next_cursor`: the (urgency_level, seq) of the last ticket on a page,
 * base64url-encoded so clients treat it as opaque (the format may change). Paging by the
 * sort key, not an offset, keeps pages stable while tickets are claimed or popped.
 */
export type ListPosition = { urgency_level: number; seq: number };

const PREFIX = "q1:";

export function encodeCursor(pos: ListPosition): string {
  return btoa(`${PREFIX}${pos.urgency_level}:${pos.seq}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The position a cursor names, or null when it is not one this service issued. */
export function decodeCursor(cursor: string): ListPosition | null {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return null;
  let text: string;
  try {
    text = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return null;
  }
  const m = /^q1:([0-9]{1,3}):([0-9]{1,15})$/.exec(text);
  if (!m) return null;
  return { urgency_level: Number(m[1]), seq: Number(m[2]) };
}
