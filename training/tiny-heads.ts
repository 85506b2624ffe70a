/**
 * Fixture heads for the generated tiny stand-in encoder (models/onnx/tiny-encoder.ts).
 * The committed models/m2/heads.json is bound to the real encoder, which `npm test`
 * does not have; the tests that run the whole M2 path on the stand-in (workerd and
 * Node) read these instead, from test/fixtures/m2-tiny-heads.json.
 *
 *   npm run fixtures:m2-tiny      rewrites test/fixtures/m2-tiny-heads.json
 *
 * The heads are fitted, with the trainer's own code, on a dozen invented tickets
 * (no dataset needed) embedded by the stand-in through src/m2/encoder.ts. Their
 * figures mean nothing; what the tests need is an artefact in the served format,
 * bound to the stand-in's sha256, with serve = m2 for both fields so the Worker runs
 * M2. `examples` records what they give for each ticket, so a test can check a
 * Worker path against the trainer's numbers. tiny-heads.test.ts fails when the
 * committed file is not what this produces.
 */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../dataset/load.ts";
import { buildTinyEncoder } from "../models/onnx/tiny-encoder.ts";
import { loadM2Heads, M2_HEADS_FORMAT, type M2HeadsArtifact, type Pooling } from "../src/m2/heads.ts";
import { createEncoder } from "../src/m2/encoder.ts";
import { ticketText } from "../src/ml/text.ts";
import { ticketUrgency } from "../src/ml/urgency.ts";
import { bundledVocab } from "../src/m2/vocab.ts";
import { WordPieceTokenizer } from "../src/m2/wordpiece.ts";
import { sha256Hex } from "../src/util/sha256.ts";
import { encodeFloat32 } from "./float32-base64.ts";
import { fitLogReg } from "./logreg.ts";
import { fitRidgeDense } from "./ridge.ts";
import { urgencyTarget } from "./urgency-labels.ts";

export const TINY_HEADS_PATH = resolve(REPO_ROOT, "test/fixtures/m2-tiny-heads.json");
/** The bert-base-uncased vocab.txt the bundled vocabulary reproduces (src/m2/vocab.ts). */
export const BERT_UNCASED_VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3";

const POOLING: Pooling = "mean";
const MAX_LENGTH = 128;

/** Invented tickets, four per class, English and German. */
export const FIXTURE_TICKETS = [
  { subject: "Invoice charged twice", body: "I was billed twice for my subscription this month, please refund the duplicate charge.", category: "Billing", priority: "medium" },
  { subject: "Refund request", body: "I returned the headset last week and still have not received my refund.", category: "Billing", priority: "low" },
  { subject: "Rechnung falsch", body: "Die letzte Rechnung enthält einen Betrag, den wir nicht bestellt haben. Bitte korrigieren.", category: "Billing", priority: "medium" },
  { subject: "Payment failed urgently", body: "Our card payment failed and the account is about to be suspended. Urgent!", category: "Billing", priority: "high" },
  { subject: "Employment contract", body: "Human resources: please send me a copy of my employment contract and the leave policy.", category: "Legal", priority: "low" },
  { subject: "Arbeitsvertrag", body: "Ich benötige eine Kopie meines Arbeitsvertrags für die Personalabteilung.", category: "Legal", priority: "low" },
  { subject: "Payroll question", body: "My payslip is missing the overtime hours; who in HR can check this?", category: "Legal", priority: "medium" },
  { subject: "Onboarding documents", body: "The new hire did not receive the onboarding documents from human resources.", category: "Legal", priority: "medium" },
  { subject: "Production outage", body: "Our platform is down and nobody can log in. Please fix immediately!", category: "Technical", priority: "high" },
  { subject: "API errors", body: "The API returns 500 errors since this morning and checkout is broken.", category: "Technical", priority: "high" },
  { subject: "Drucker geht nicht", body: "Der Drucker im Büro druckt seit dem Update keine Seiten mehr.", category: "Technical", priority: "low" },
  { subject: "VPN disconnects", body: "The VPN client keeps disconnecting every few minutes on Windows laptops.", category: "Technical", priority: "medium" },
] as const;

export async function buildTinyHeads(): Promise<M2HeadsArtifact & { examples: unknown[] }> {
  const model = buildTinyEncoder();
  const sha256 = await sha256Hex(model);
  const encoder = await createEncoder(model, { pooling: POOLING });
  const tokenizer = new WordPieceTokenizer(bundledVocab());
  let rows: Float32Array[];
  try {
    // One ticket per call, as the Worker embeds.
    rows = [];
    for (const t of FIXTURE_TICKETS) rows.push((await encoder.embed(tokenizer.encodeBatch([ticketText(t.subject, t.body)], MAX_LENGTH)))[0]!);
  } finally {
    await encoder.release();
  }
  const keyword = FIXTURE_TICKETS.map((t) => ticketUrgency(t.subject, t.body).keywordMatched);
  const labels = FIXTURE_TICKETS.map((t) => t.category);
  const classes = ["Billing", "Legal", "Technical"];
  const category = fitLogReg(rows, labels, { C: 5, classes });
  const dim = rows[0]!.length;
  const urgency = fitRidgeDense(
    rows.map((r, i) => Float64Array.from([...r, keyword[i] ? 1 : 0])),
    FIXTURE_TICKETS.map((t, i) => urgencyTarget(t.priority, keyword[i]!)),
    0.5,
  );
  const fixture = "fixture heads for the generated tiny stand-in (training/tiny-heads.ts): fitted on 12 invented tickets, no figures";
  const artifact: M2HeadsArtifact = {
    format: M2_HEADS_FORMAT,
    encoder: { id: "tiny-stand-in", name: "tiny-encoder", sha256, pooling: POOLING, maxLength: MAX_LENGTH, dim, vocabSha256: BERT_UNCASED_VOCAB_SHA256 },
    category: { classes, input: "embedding", coef: encodeFloat32(category.coef), intercept: Array.from(category.intercept), C: 5, classWeight: null },
    urgency: { input: "embedding", coef: encodeFloat32(urgency.coef.subarray(0, dim)), intercept: urgency.intercept, alpha: 0.5, keywordCoef: urgency.coef[dim]! },
    serve: {
      category: { model: "m2", reason: `${fixture}: M2 serves so tests exercise the M2 path` },
      urgency: { model: "m2", reason: `${fixture}: M2 serves so tests exercise the M2 path` },
    },
    meta: { trainer: "npm run fixtures:m2-tiny", warning: fixture },
  };
  const heads = loadM2Heads(artifact, sha256);
  const examples = FIXTURE_TICKETS.map((t, i) => {
    const p = heads.predict(rows[i]!, { keywordMatched: keyword[i]! });
    return { subject: t.subject, body: t.body, keywordMatched: keyword[i]!, category: p.category, confidence: p.confidence, urgency_score: p.urgency_score };
  });
  return { ...artifact, examples };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await writeFile(TINY_HEADS_PATH, JSON.stringify(await buildTinyHeads(), null, 1) + "\n");
  process.stderr.write(`wrote ${TINY_HEADS_PATH}\n`);
}
