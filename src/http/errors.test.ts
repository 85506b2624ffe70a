import { describe, expect, it } from "vitest";
import { clip, echoPath, ECHO_MAX } from "./errors.ts";

describe("clip", () => {
  it("leaves text up to the limit alone", () => {
    expect(clip("/v1/nope")).toBe("/v1/nope");
    expect(clip("x".repeat(ECHO_MAX))).toBe("x".repeat(ECHO_MAX));
  });

  it("cuts longer text to the limit, marks the cut and gives the full length", () => {
    expect(clip("x".repeat(ECHO_MAX + 1))).toBe(`${"x".repeat(ECHO_MAX)}… (cut: ${ECHO_MAX + 1} characters)`);
    expect(clip("abcdef", 3, "path")).toBe("abc… (path cut: 6 characters)");
  });

  it("never splits a surrogate pair at the cut", () => {
    const cut = clip(`ab😀cd`, 3);
    expect(cut).toBe("ab… (cut: 6 characters)");
    expect(cut).not.toMatch(/\p{Surrogate}/u);
  });
});

describe("echoPath", () => {
  it("says it is the path that was cut", () => {
    const path = `/v1/${"a".repeat(64 * 1024)}`;
    const echoed = echoPath(path);
    expect(echoed).toBe(`${path.slice(0, ECHO_MAX)}… (path cut: ${path.length} characters)`);
    expect(echoed.length).toBeLessThan(ECHO_MAX + 40);
  });
});
