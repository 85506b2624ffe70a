import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadTrainingFiles } from "./data.ts";
import { protocolSplits } from "./protocol.ts";
import { rng } from "./test-rng.ts";

const dir = mkdtempSync(join(tmpdir(), "protocol-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu".split(" ");

describe("protocolSplits over several files", () => {
  it("keeps a near-duplicate pair whose twins sit in different files on one side of every split", async () => {
    const random = rng(5);
    const body = () => Array.from({ length: 14 }, () => WORDS[Math.floor(random() * WORDS.length)]!).join(" ");
    const queues = ["Billing and Payments", "IT Support", "Human Resources"];
    const rowsA: string[] = [];
    const rowsB: string[] = [];
    const twins: [string, string][] = [];
    for (let i = 0; i < 60; i++) {
      const q = queues[i % 3]!;
      const b = body();
      rowsA.push(`s${i},${b},${q}`);
      if (i % 4 === 0) {
        // The same ticket reworded slightly: one word changed, the rest kept.
        const twin = b.split(" ").map((w, j) => (j === 7 ? "reworded" : w)).join(" ");
        rowsB.push(`t${i},${twin},${q}`);
        twins.push([b, twin]);
      } else rowsB.push(`t${i},${body()},${q}`);
    }
    writeFileSync(join(dir, "a.csv"), "subject,body,queue\n" + rowsA.join("\n") + "\n");
    writeFileSync(join(dir, "b.csv"), "subject,body,queue\n" + rowsB.join("\n") + "\n");
    const data = await loadTrainingFiles([join(dir, "a.csv"), join(dir, "b.csv")]);
    const { dup, holdout, folds } = protocolSplits(data);

    expect(twins.length).toBe(15);
    const side = (split: { test: number[] }, i: number) => split.test.includes(i);
    for (const [a, b] of twins) {
      const i = data.tickets.findIndex((t) => t.body === a);
      const j = data.tickets.findIndex((t) => t.body === b);
      expect(data.fileOf[i]).toBe(0);
      expect(data.fileOf[j]).toBe(1);
      expect(dup.groupOf[i]).toBe(dup.groupOf[j]);
      for (const fold of folds) expect(side(fold, i)).toBe(side(fold, j));
    }
    // Every row is tested exactly once across the folds.
    expect(folds.flatMap((f) => f.test).sort((x, y) => x - y)).toEqual(data.tickets.map((_, i) => i));
    expect(holdout.test.length + holdout.train.length).toBe(data.tickets.length);
  });
});
