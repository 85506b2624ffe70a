import { describe, expect, it } from "vitest";
import { parseStraceSummary } from "./v1-syscalls.ts";

describe("parseStraceSummary", () => {
  it("reads calls per syscall from strace -c, with and without an errors column, skipping total", () => {
    const text = [
      "strace: Process 101 attached",
      "strace: Process 101 detached",
      "% time     seconds  usecs/call     calls    errors syscall",
      "------ ----------- ----------- --------- --------- ----------------",
      " 71.43    0.000250          62         4           fsync",
      " 28.57    0.000100          50         2         1 fdatasync",
      "------ ----------- ----------- --------- --------- ----------------",
      "100.00    0.000350          58         6         1 total",
    ].join("\n");
    expect(parseStraceSummary(text)).toEqual({ fsync: 4, fdatasync: 2 });
  });
  it("returns nothing when strace saw no calls", () => {
    expect(parseStraceSummary("strace: Process 1 attached\nstrace: Process 1 detached\n")).toEqual({});
  });
});
