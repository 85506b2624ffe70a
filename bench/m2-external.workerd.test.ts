/// <reference types="vite/client" />
// The "external data" row of `npm run bench:m2` (see bench/m2-split.ts): the full
// shape-faithful model split into graph + weights, in an isolate of its own.
import { inject, it } from "vitest";
import { benchSplitModel, type WorkerdM2SplitBench } from "./m2-split.ts";

declare module "vitest" {
  interface TaskMeta {
    m2ExternalBench?: WorkerdM2SplitBench;
  }
}

it("M2 encoder, externalized weights, in workerd: session, batch-1 inference, wasm memory", async ({ task }) => {
  const config = inject("m2Bench");
  task.meta.m2ExternalBench = await benchSplitModel({ ...config, pruneVocab: false, maxLength: 128 }, inject("benchTickets"));
});
