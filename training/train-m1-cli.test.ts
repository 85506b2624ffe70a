/**
 * `train:m1` end to end on a team's own export: a generated CSV with its own header names and
 * four categories of its own, a mapping file, a corrections file; the artefacts written must
 * carry those categories, and bad inputs must stop with a message naming the file.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../dataset/load.ts";
import { loadM1, type M1Artifact } from "../src/m1/model.ts";
import { parseTaxonomy } from "../src/ml/categories.ts";
import { rng } from "./test-rng.ts";

const VOCAB: Record<string, string[]> = {
  Shipping: "parcel courier tracking delivery warehouse dispatch carrier package shipment postage label truck".split(" "),
  Accounts: "password login account username signin locked reset profile email verification twofactor session".split(" "),
  Payments: "invoice refund charge payment card billing receipt overcharged subscription paid bank transfer".split(" "),
  Hardware: "printer monitor keyboard laptop screen cable battery charger mouse dock headset projector".split(" "),
};
const FILLER = "please help urgent today thanks hello team issue since yesterday again still need quick answer regards kind our my the".split(" ");
const QUEUES: Record<string, string> = { Shipping: "Logistik", Accounts: "Konten", Payments: "Zahlungen", Hardware: "Geräte" };

function ticket(random: () => number, category: string): [string, string] {
  const pick = (xs: string[], n: number) => Array.from({ length: n }, () => xs[Math.floor(random() * xs.length)]!);
  return [pick(VOCAB[category]!, 2).join(" "), [...pick(VOCAB[category]!, 6), ...pick(FILLER, 6)].sort(() => random() - 0.5).join(" ")];
}

let dir: string;
const run = (...args: string[]) =>
  spawnSync(process.execPath, [join(REPO_ROOT, "training/train-m1.ts"), ...args], { cwd: REPO_ROOT, encoding: "utf8" });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "train-m1-cli-"));
  const random = rng(11);
  const rows = ["Titel,Beschreibung,Warteschlange,Sprache"];
  let first: [string, string] | undefined;
  for (let i = 0; i < 30; i++) {
    for (const category of Object.keys(VOCAB)) {
      const [subject, body] = ticket(random, category);
      first ??= [subject, body];
      rows.push(`${subject},"${body}",${QUEUES[category]},${i % 2 ? "de" : "en"}`);
    }
  }
  rows.push(`ignored,"a ticket of a queue the mapping drops",Spam,en`);
  writeFileSync(join(dir, "export.csv"), rows.join("\n") + "\n");
  writeFileSync(
    join(dir, "queues.json"),
    JSON.stringify({
      columns: { subject: "Titel", body: "Beschreibung", label: "Warteschlange", language: "Sprache" },
      categories: { Logistik: "Shipping", Konten: "Accounts", Zahlungen: "Payments", "Geräte": "Hardware" },
      unmapped: "drop",
    }),
  );
  // The first ticket (a Shipping one) relabelled twice: the newer correction wins.
  const [subject, body] = first!;
  writeFileSync(
    join(dir, "corrections.csv"),
    "ticket_id,subject,body,category,previous_category,agent,corrected_at\n" +
      `t1,${subject},${body},Accounts,Shipping,ann,2026-01-01T10:00:00Z\n` +
      `t1,${subject},${body},Payments,Accounts,bob,2026-01-02T10:00:00Z\n` +
      `t2,new subject,"refund for the charge on my card invoice",Payments,Accounts,ann,2026-01-01T09:00:00Z\n`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("train:m1 on a team's export with --mapping and --corrections", () => {
  let result: ReturnType<typeof run>;
  beforeAll(() => {
    result = run("--data", join(dir, "export.csv"), "--mapping", join(dir, "queues.json"), "--corrections", join(dir, "corrections.csv"), "--out", join(dir, "out"), "--only", "seed");
  });

  it("exits 0 and writes a model whose classes are the mapping's four categories", () => {
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    const artifact = JSON.parse(readFileSync(join(dir, "out/model.json"), "utf8")) as M1Artifact;
    expect([...artifact.classes].sort()).toEqual(["Accounts", "Hardware", "Payments", "Shipping"]);
    const model = loadM1(artifact);
    expect(model.predict("tracking", "courier parcel delivery warehouse dispatch").category).toBe("Shipping");
    expect(model.predict("printer", "laptop monitor cable keyboard dock").category).toBe("Hardware");
  });

  it("writes taxonomy.json the categories module reads, with the model's classes", () => {
    const taxonomy = JSON.parse(readFileSync(join(dir, "out/taxonomy.json"), "utf8"));
    const artifact = JSON.parse(readFileSync(join(dir, "out/model.json"), "utf8")) as M1Artifact;
    expect(parseTaxonomy(taxonomy)).toEqual(artifact.classes);
  });

  it("counts the dropped queue, the corrections and the per-language folds in metrics.json", () => {
    const metrics = JSON.parse(readFileSync(join(dir, "out/metrics.json"), "utf8"));
    expect(metrics.dataset.skipped).toEqual({ missingQueue: 0, missingBody: 0, unmapped: 1 });
    // 120 export rows + the one correction that matches no row.
    expect(metrics.dataset.rows).toBe(121);
    expect(metrics.dataset.corrections).toMatchObject({ rows: 3, tickets: 2, superseded: 1, relabelled: 1, added: 1 });
    expect(metrics.classCounts).toEqual({ Accounts: 30, Hardware: 30, Payments: 32, Shipping: 29 });
    expect(Object.keys(metrics.shipped.groupedCv.perLanguage)).toEqual(["de", "en", "unknown"]);
    expect(metrics.shipped.groupedCv.perLanguage.de.rows).toBe(60);
  });
});

describe("train:m1 input errors", () => {
  it("names the mapping file and the problem, exit 1, no stack trace", () => {
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ columns: { body: "Beschreibung", label: "Warteschlange" }, categories: { Logistik: "Ship<ping>" }, unmapped: "drop" }));
    const r = run("--data", join(dir, "export.csv"), "--mapping", join(dir, "bad.json"), "--out", join(dir, "bad-out"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`mapping file ${join(dir, "bad.json")}: categories.Logistik: category "Ship<ping>" must start with a letter or digit`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("names a column the export lacks", () => {
    writeFileSync(join(dir, "cols.json"), JSON.stringify({ columns: { body: "Text", label: "Warteschlange" }, categories: "label" }));
    const r = run("--data", join(dir, "export.csv"), "--mapping", join(dir, "cols.json"), "--out", join(dir, "bad-out"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(dir, "export.csv")}: ticket CSV lacks a "Text" column (the mapping's columns.body)`);
  });

  it("names the corrections file and row of a bad correction", () => {
    writeFileSync(join(dir, "bad-corr.csv"), "ticket_id,subject,body,category,previous_category,agent,corrected_at\nt1,s,b,Payments,,ann,yesterday\n");
    const r = run("--data", join(dir, "export.csv"), "--mapping", join(dir, "queues.json"), "--corrections", join(dir, "bad-corr.csv"), "--out", join(dir, "bad-out"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`corrections file ${join(dir, "bad-corr.csv")}: data row 1: corrected_at: corrected_at must be an ISO 8601 date-time`);
  });
});
