/// <reference types="vite/client" />
// The "pruned vocabulary + external data" row of `npm run bench:m2` (see bench/m2-split.ts):
// the layout `npm run models:prune-vocab` then `models:externalize` produce for the
// Worker, in an isolate of its own. The keep set is every id the bench tickets use.
import { inject, it } from "vitest";
import { benchSplitModel, type WorkerdM2SplitBench } from "./m2-split.ts";

declare module "vitest" {
  interface TaskMeta {
    m2SlimBench?: WorkerdM2SplitBench;
  }
}

it("M2 encoder, pruned vocabulary + externalized weights, in workerd: session, batch-1 inference, wasm memory", async ({ task }) => {
  const config = inject("m2Bench");
  task.meta.m2SlimBench = await benchSplitModel({ ...config, pruneVocab: true, maxLength: 128 }, inject("benchTickets"));
});
