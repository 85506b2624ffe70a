/**
 * `npm run eval:urgency`: scores one urgency-ridge artefact on a ticket file, per
 * language, beside the training-mean and per-keyword-mean baselines fitted on another
 * file. Made for the cross-release question ("the ridge trained on the sample, on the
 * extra file's tickets") and for before / after comparisons of committed artefacts:
 *
 *   git show <commit>:models/m1/urgency-ridge.json > /tmp/before.json
 *   npm run eval:urgency -- --ridge /tmp/before.json --keyword-languages en,de
 *
 * --keyword-languages scores with only those languages' keyword lists (flag and target),
 * i.e. as the keyword heuristic stood before a list was added. A ridge whose training
 * data included the test file is not held out, and the output says so.
 *
 * Options: --ridge (models/m1/urgency-ridge.json), --m1 (models/m1/model.json),
 *          --train <csv> (the sample; baselines only), --test <csv> (tickets-extra.csv),
 *          --keyword-languages <list> (all). Prints JSON on stdout.
 */
import { readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { parseArgs } from "node:util";
import { EXTRA_DATASET_PATH, exitIfDatasetMissing, REPO_ROOT, SAMPLE_DATASET_PATH } from "../dataset/load.ts";
import { loadM1, type M1Artifact } from "../src/m1/model.ts";
import { loadUrgencyRidge, type UrgencyRidgeArtifact } from "../src/m1/urgency-ridge.ts";
import { KEYWORD_LANGUAGES, keywordMatcher, URGENCY_KEYWORDS_BY_LANGUAGE, type KeywordLanguage } from "../src/ml/urgency.ts";
import { loadTrainingFiles } from "./data.ts";
import { urgencyTarget } from "./urgency-labels.ts";
import { priorityRank, scoresByLanguage } from "./urgency-report.ts";

const { values: args } = parseArgs({
  options: {
    ridge: { type: "string", default: "models/m1/urgency-ridge.json" },
    m1: { type: "string", default: "models/m1/model.json" },
    train: { type: "string", default: SAMPLE_DATASET_PATH },
    test: { type: "string", default: EXTRA_DATASET_PATH },
    "keyword-languages": { type: "string", default: KEYWORD_LANGUAGES.join(",") },
  },
});
const languagesUsed = args["keyword-languages"]!.split(",").map((s) => s.trim()) as KeywordLanguage[];
const unknown = languagesUsed.filter((l) => !(KEYWORD_LANGUAGES as string[]).includes(l));
if (unknown.length) {
  process.stderr.write(`--keyword-languages: unknown ${unknown.join(", ")} (known: ${KEYWORD_LANGUAGES.join(", ")})\n`);
  process.exit(2);
}

const m1 = loadM1(JSON.parse(await readFile(resolve(REPO_ROOT, args.m1!), "utf8")) as M1Artifact);
const ridgeArtifact = JSON.parse(await readFile(resolve(args.ridge!), "utf8")) as UrgencyRidgeArtifact;
const ridge = loadUrgencyRidge(ridgeArtifact, m1.featureCount);
const data = await loadTrainingFiles([args.train!, args.test!]).catch(exitIfDatasetMissing);
const match = keywordMatcher(languagesUsed.flatMap((l) => URGENCY_KEYWORDS_BY_LANGUAGE[l]));
const kw = data.tickets.map((t) => match(`${t.subject}\n${t.body}`).length > 0);
const y = data.tickets.map((t, i) => urgencyTarget(t.priority, kw[i]!));
const rows = (file: number) => data.tickets.flatMap((_, i) => (data.fileOf[i] === file ? [i] : []));
const [train, test] = [rows(0), rows(1)];
const meanOf = (idx: number[]) => idx.reduce((s, i) => s + y[i]!, 0) / idx.length;
const mean = meanOf(train);
const byKeyword = [false, true].map((b) => {
  const idx = train.filter((i) => kw[i] === b);
  return idx.length ? meanOf(idx) : mean;
});
const predicted = data.texts.map((t, i) => (data.fileOf[i] === 1 ? ridge.predictRow(m1.features(t), kw[i]!) : NaN));
const scores = scoresByLanguage(
  test,
  data.tickets.map((t) => t.language.toLowerCase() || "unknown"),
  y,
  data.tickets.map((t) => priorityRank(t.priority)),
  {
    trainMean: { predicted: y.map(() => mean), constant: true },
    keywordMean: { predicted: kw.map((b) => byKeyword[b ? 1 : 0]!) },
    ridge: { predicted },
  },
);
const trainedOn = String((ridgeArtifact.meta.dataset as { path?: string } | undefined)?.path ?? "");
const round = (x: unknown) => (typeof x === "number" && !Number.isInteger(x) ? Math.round(x * 1e4) / 1e4 : x);
process.stdout.write(
  JSON.stringify(
    {
      ridge: { path: args.ridge, trainedOn, alpha: ridgeArtifact.alpha, variant: ridgeArtifact.meta.variant },
      heldOut: !trainedOn.includes(basename(args.test!)),
      keywordLanguages: languagesUsed,
      baselinesFrom: data.files[0]!.path,
      test: data.files[1]!.path,
      scores,
    },
    (_, v) => round(v),
    1,
  ) + "\n",
);
