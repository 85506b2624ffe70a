import { bodyLimit } from "hono/body-limit";
import { jsonError } from "./errors.ts";

export const MAX_BODY_BYTES = 64 * 1024;

/** Rejects oversized bodies before they are read into memory or parsed. */
export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => jsonError(c, 413, `Request body exceeds ${MAX_BODY_BYTES} bytes (64 KiB)`),
});
