/**
 * Model weights travel in JSON artefacts as base64 of little-endian Float32: compact,
 * exact, and decoded without a per-value parse. The trainers write them with
 * training/float32-base64.ts.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// TC39 Uint8Array.fromBase64 where the runtime has it (native, no per-byte JS loop at a cold start).
const Base64Array = Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array };

function base64Bytes(base64: string): Uint8Array {
  if (typeof Base64Array.fromBase64 === "function") return Base64Array.fromBase64(base64);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function decodeFloat32(base64: string): Float32Array {
  const bytes = base64Bytes(base64);
  if (bytes.length % 4 !== 0) throw new Error("float32 payload length is not a multiple of 4");
  if (LITTLE_ENDIAN && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return new Float32Array(bytes.buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
