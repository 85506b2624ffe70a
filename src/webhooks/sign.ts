/**
 * Request signing so a receiver can tell our alerts from forged ones and reject replays.
 *
 * X-Timestamp: unix seconds when the attempt was made.
 * X-Signature: "sha256=" + hex HMAC-SHA256(secret, `${timestamp}.` + exact body bytes).
 * Binding the timestamp into the MAC lets receivers refuse old captured requests
 * (e.g. older than 5 minutes) without trusting an unsigned header.
 */

const encoder = new TextEncoder();

export function signingInput(timestamp: string, body: Uint8Array): Uint8Array {
  const prefix = encoder.encode(`${timestamp}.`);
  const input = new Uint8Array(prefix.length + body.length);
  input.set(prefix, 0);
  input.set(body, prefix.length);
  return input;
}

export async function signBody(secret: string, timestamp: string, body: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, signingInput(timestamp, body));
  return `sha256=${toHex(new Uint8Array(mac))}`;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
