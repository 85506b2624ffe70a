// The bench vitest configs share bench/*.workerd.test.ts out one file each (bench-configs.ts).
import { describe, expect, it } from "vitest";
import { loadBenchConfigs, ownershipProblems, runProblems, selectedBy, workerdBenchFiles } from "./bench-configs.ts";
import { REPO_ROOT } from "../dataset/load.ts";

describe("bench vitest configs", () => {
  it("give every bench/*.workerd.test.ts to exactly one config", async () => {
    const files = workerdBenchFiles();
    expect(files).toEqual(expect.arrayContaining(["bench/m1.workerd.test.ts", "bench/m2.workerd.test.ts"]));
    expect(ownershipProblems(await loadBenchConfigs(), files)).toEqual([]);
  });

  it("catch the glob that made bench:m1 run the M2 benches without their setup", () => {
    const files = ["bench/m1.workerd.test.ts", "bench/m2.workerd.test.ts", "bench/m2-slim.workerd.test.ts"];
    const m1 = { test: { include: ["bench/**/*.workerd.test.ts"], exclude: ["bench/m2.workerd.test.ts"] } };
    const m2 = { test: { include: ["bench/m2*.workerd.test.ts"] } };
    expect(selectedBy(m1, files)).toEqual(["bench/m1.workerd.test.ts", "bench/m2-slim.workerd.test.ts"]);
    expect(ownershipProblems({ m1, m2 }, files)).toEqual([
      "bench/m2-slim.workerd.test.ts is selected by m1 and m2: it would run without the other's setup and fail",
    ]);
  });

  it("report a file no config runs, and a config that runs nothing", () => {
    const problems = ownershipProblems({ only: { test: { include: ["bench/m9.workerd.test.ts"] } } }, ["bench/m1.workerd.test.ts"]);
    expect(problems).toEqual(["only selects no bench/*.workerd.test.ts", "bench/m1.workerd.test.ts is in no bench config, so no bench runs it"]);
  });

  it("tell a bench run that ran other files, or failed, from a good one", () => {
    const file = (f: string) => `${REPO_ROOT}/${f}`;
    expect(runProblems([{ file: file("bench/m1.workerd.test.ts"), ok: true }], ["bench/m1.workerd.test.ts"])).toEqual([]);
    expect(runProblems([{ file: file("bench/m1.workerd.test.ts"), ok: true }, { file: file("bench/m2.workerd.test.ts"), ok: false }], ["bench/m1.workerd.test.ts"])).toEqual([
      "ran bench/m1.workerd.test.ts, bench/m2.workerd.test.ts, expected bench/m1.workerd.test.ts",
      "bench/m2.workerd.test.ts failed (see the vitest output above)",
    ]);
  });
});
