import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DatasetMissingError, EXTRA_DATASET_PATH, loadTickets, missingDatasetMessage, REPO_ROOT, SAMPLE_DATASET_PATH } from "./load.ts";

const MISSING = resolve(REPO_ROOT, ".tmp/no-such-dir/tickets.csv");

describe("a missing ticket file", () => {
  it("rejects with DatasetMissingError naming the file", async () => {
    const error = await loadTickets(MISSING).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetMissingError);
    expect((error as DatasetMissingError).path).toBe(MISSING);
    expect((error as Error).message).toContain(`Ticket data not found: ${MISSING}`);
    expect((error as Error).message).toMatch(/--data, TICKETS_CSV/);
  });

  it("says how to get the shared sample when that is what is missing", () => {
    const message = missingDatasetMessage(SAMPLE_DATASET_PATH);
    expect(message).toContain(SAMPLE_DATASET_PATH);
    expect(message).toContain("../shared/dataset/tickets-sample.csv");
    expect(message).toContain("npm run dataset:fetch");
    expect(message).toContain("TICKETS_CSV");
  });

  // The CLI path end to end: one line of advice and exit 1, not a stack trace.
  it.each([
    ["--data", ["training/train-m1.ts", "--data", MISSING], {}],
    ["TICKETS_CSV", ["training/train-m1.ts"], { TICKETS_CSV: MISSING }],
  ])("train:m1 with %s pointing nowhere exits 1 with the message alone", (_how, args, env) => {
    const run = spawnSync(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`Ticket data not found: ${MISSING}`);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr).not.toContain("DatasetMissingError");
    expect(run.stdout).toBe("");
  });
});

describe("the extra ticket file", () => {
  // It lacks the sample's version and tag columns and keeps real line breaks inside quotes.
  it("loads all 989 tickets in five languages with nothing skipped", async () => {
    const { tickets, skipped, rows } = await loadTickets(EXTRA_DATASET_PATH);
    expect(rows).toBe(989);
    expect(tickets).toHaveLength(989);
    expect(skipped).toEqual({ missingQueue: 0, missingBody: 0, unmapped: 0 });
    const languages = Object.fromEntries(["de", "en", "es", "fr", "pt"].map((l) => [l, tickets.filter((t) => t.language === l).length]));
    expect(languages).toEqual({ de: 325, en: 214, es: 166, fr: 142, pt: 142 });
    expect(tickets.filter((t) => t.category === "Legal")).toHaveLength(21);
    expect(tickets.some((t) => t.body.includes("\n"))).toBe(true);
  });
});
