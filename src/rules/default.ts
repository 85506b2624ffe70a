/**
 * The shipped rules (models/rules/default.json), bundled like the M1 artefact, validated
 * and compiled on first use and kept for the isolate's lifetime.
 */
import file from "../../models/rules/default.json" with { type: "json" };
import { compileRules, type CompiledRules } from "./match.ts";
import { parseRulesFile } from "./schema.ts";

let compiled: CompiledRules | undefined;

export function defaultRules(): CompiledRules {
  return (compiled ??= compileRules(parseRulesFile(file, "models/rules/default.json")));
}
