import { describe, expect, it } from "vitest";
import { devEnvironment, LOCAL_TRACING_VAR, localTracingOn } from "./local-tracing.ts";

describe("local tracing default for npm run dev and dev-server.ts", () => {
  it("turns wrangler's local tracing off when the caller did not choose", () => {
    const env: Record<string, string | undefined> = devEnvironment({ PATH: "/bin" });
    expect(env[LOCAL_TRACING_VAR]).toBe("false");
    expect(env.PATH).toBe("/bin");
    expect(localTracingOn(env)).toBe(false);
  });
  it("keeps the caller's choice, so X_LOCAL_OBSERVABILITY=true turns it back on", () => {
    expect(localTracingOn(devEnvironment({ [LOCAL_TRACING_VAR]: "true" }))).toBe(true);
    expect(localTracingOn(devEnvironment({ [LOCAL_TRACING_VAR]: "FALSE" }))).toBe(false);
  });
  it("reads the variable as wrangler does: unset is on, anything but true/false is refused", () => {
    expect(localTracingOn({})).toBe(true);
    expect(() => localTracingOn({ [LOCAL_TRACING_VAR]: "0" })).toThrow(/must be "true" or "false"/);
  });
  it("does not change the environment it is given", () => {
    const env = { HOME: "/h" };
    devEnvironment(env);
    expect(env).toEqual({ HOME: "/h" });
  });
});
