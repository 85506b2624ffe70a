/**
 * The writing half of the artefacts' Float32 payloads (src/ml/float32-base64.ts
 * reads them): base64 of little-endian Float32.
 */
export function encodeFloat32(values: ArrayLike<number>): string {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  const bytes = new Uint8Array(view.buffer);
  // String.fromCharCode in chunks: one call per byte would be slow, one call for all overflows the stack.
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
