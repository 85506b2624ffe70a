import { describe, expect, it } from "vitest";
import { decodeFloat32 } from "./float32-base64.ts";

describe("decodeFloat32", () => {
  it("reads base64 of little-endian float32s", () => {
    // 1.0f = 3f800000, −2.0f = c0000000, each written low byte first.
    expect(Array.from(decodeFloat32("AACAPwAAAMA="))).toEqual([1, -2]);
    expect(Array.from(decodeFloat32(""))).toEqual([]);
  });

  it("rejects a payload that is not whole float32s", () => {
    expect(() => decodeFloat32(btoa("abc"))).toThrow(/multiple of 4/);
  });
});
