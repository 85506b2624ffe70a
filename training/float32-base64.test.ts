import { describe, expect, it } from "vitest";
import { decodeFloat32 } from "../src/ml/float32-base64.ts";
import { encodeFloat32 } from "./float32-base64.ts";

describe("float32 payloads", () => {
  it("round-trip through base64 at float32 precision", () => {
    const values = [0, 1, -1.5, Math.PI, 1e-8, -3.4e38];
    expect(Array.from(decodeFloat32(encodeFloat32(values)))).toEqual(values.map((v) => Math.fround(v)));
  });
});
