import { describe, expect, it } from "vitest";
import { EXTRA_DATASET_PATH, SAMPLE_DATASET_PATH } from "../dataset/load.ts";
import { loadTrainingFiles } from "./data.ts";
import { categoryServe, lengthQuantiles, pairedDiff, perLanguage, urgencyServe } from "./m2-compare.ts";

describe("pairedDiff", () => {
  it("is the mean per-fold difference with the sample standard error", () => {
    const d = pairedDiff([0.6, 0.7, 0.65, 0.62, 0.68], [0.55, 0.6, 0.6, 0.6, 0.6]);
    expect(d.perFold.map((x) => +x.toFixed(10))).toEqual([0.05, 0.1, 0.05, 0.02, 0.08]);
    expect(d.mean).toBeCloseTo(0.06, 12);
    // sample std of the differences / √5
    const sd = Math.sqrt([0.05, 0.1, 0.05, 0.02, 0.08].reduce((s, x) => s + (x - 0.06) ** 2, 0) / 4);
    expect(d.standardError).toBeCloseTo(sd / Math.sqrt(5), 12);
    expect(() => pairedDiff([1], [1, 2])).toThrow(/same/);
  });
});

describe("the serving rule", () => {
  const diff = (mean: number, standardError: number) => ({ mean, standardError, perFold: [] });

  it("gives the category to M2 only for a macro-F1 gain above one SE, with the figures in the reason", () => {
    const win = categoryServe(0.61, 0.55, diff(0.06, 0.02), 5);
    expect(win).toEqual({ model: "m2", reason: "M2 macro-F1 0.610 vs M1 0.550 on 5 grouped folds, paired diff +0.060 ± 0.020 SE: M2 serves" });
    expect(categoryServe(0.57, 0.55, diff(0.02, 0.02), 5).model).toBe("m1");
    expect(categoryServe(0.5, 0.55, diff(-0.05, 0.01), 5)).toMatchObject({ model: "m1", reason: expect.stringContaining("paired diff −0.050 ± 0.010 SE") });
  });

  it("gives urgency to M2 only for an RMSE lower by more than one SE", () => {
    expect(urgencyServe(0.25, 0.26, diff(-0.01, 0.002), 5).model).toBe("m2");
    expect(urgencyServe(0.259, 0.26, diff(-0.001, 0.002), 5).model).toBe("m1");
    expect(urgencyServe(0.27, 0.26, diff(0.01, 0.002), 5).model).toBe("m1");
  });
});

describe("perLanguage", () => {
  it("scores each language on its rows, macro-F1 over the classes present there", () => {
    const languages = ["en", "en", "en", "de", "de"];
    const truth = ["Billing", "Technical", "Legal", "Technical", "Technical"];
    const m1 = ["Billing", "Technical", "Technical", "Technical", "Billing"];
    const m2 = ["Billing", "Technical", "Legal", "Technical", "Technical"];
    const r = perLanguage(languages, truth, m1, m2, ["Billing", "Legal", "Technical"]);
    expect(r.en!.rows).toBe(3);
    expect(r.en!.m2).toMatchObject({ accuracy: 1, macroF1: 1 });
    expect(r.en!.m1.accuracy).toBeCloseTo(2 / 3, 12);
    // de has only Technical tickets: macro-F1 is Technical's F1 alone (precision 1, recall 1/2).
    expect(r.de!.classesPresent).toEqual(["Technical"]);
    expect(r.de!.m1.macroF1).toBeCloseTo(2 / 3, 12);
    expect(r.de!.support).toEqual({ Billing: 0, Legal: 0, Technical: 2 });
  });
});

describe("lengthQuantiles", () => {
  it("reports nearest-rank quantiles and what a token limit cuts", () => {
    const q = lengthQuantiles([10, 20, 30, 40, 200], 32);
    expect(q).toMatchObject({ median: 30, p90: 200, p99: 200, max: 200, truncatedTickets: 2 });
    expect(q.droppedTokenShare).toBeCloseTo(1 - (10 + 20 + 30 + 32 + 32) / 300, 12);
  });
});

describe("loadTrainingFiles", () => {
  it("reads the sample and the extra file as one data set, rows in file order", async () => {
    const data = await loadTrainingFiles([SAMPLE_DATASET_PATH, EXTRA_DATASET_PATH]);
    expect(data.tickets).toHaveLength(1872 + 989);
    expect(data.files.map((f) => f.rows)).toEqual([1872, 989]);
    expect(data.fileOf[1871]).toBe(0);
    expect(data.fileOf[1872]).toBe(1);
    expect(data.path).toBe("../shared/dataset/tickets-sample.csv + ../shared/dataset/tickets-extra.csv");
    expect(data.sha256).not.toBe(data.files[0]!.sha256);
  });
});
