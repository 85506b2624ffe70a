/// <reference types="vite/client" />
/**
 * The workerd half of `npm run bench:m1` (bench/vitest.config.ts; `npm test` never runs
 * it). Results travel back to bench/report.ts in the test's `meta`.
 */
import { env } from "cloudflare:workers";
import { expect, inject, it } from "vitest";
import artifact from "../models/m1/model.json";
import modelJsonText from "../models/m1/model.json?raw";
import ridgeJsonText from "../models/m1/urgency-ridge.json?raw";
import { loadM1, type M1Artifact } from "../src/m1/model.ts";
import { isolateM1 } from "../src/m1/isolate.ts";
import * as v1Queue from "../src/router/tenant-queue.ts";
import { scoreWithM1 } from "../src/pipeline/score.ts";
import { categoryCounts, clockResolutionMs, timeLoads, timePaths, type LoadResult, type PathResult } from "./measure.ts";

export type WorkerdBench = {
  clockResolutionMs: number;
  minMs: number;
  /** The first isolateM1() call of the isolate (M1 + urgency ridge), one 1 ms-resolution reading. */
  firstBundledLoadMs: number;
  /** Fresh loadM1() of the bundled (already parsed) artefact. */
  load: LoadResult;
  /** JSON.parse of model.json + urgency-ridge.json text: what the bundled JSON module costs at start-up. */
  jsonParse: LoadResult;
  predict: PathResult;
  score: PathResult;
  categories: Record<string, number>;
  /** Router DO RPC `enqueue` (predict + SQLite push), serial, mean over all tickets. */
  routerDo: { tickets: number; meanUs: number; modelLoadMsInDo: number | null } | null;
};

declare module "vitest" {
  interface TaskMeta {
    m1Bench?: WorkerdBench;
  }
}

it("M1 load and per-ticket latency in workerd", async ({ task }) => {
  const firstBundledLoadMs = isolateM1().loadMs;
  const tickets = inject("benchTickets");
  const minMs = inject("benchMinMs");
  expect(tickets.length).toBeGreaterThan(0);

  const resolution = clockResolutionMs();
  const m1 = artifact as unknown as M1Artifact;
  const load = timeLoads(() => loadM1(m1), 10);
  const jsonParse = timeLoads(() => [JSON.parse(modelJsonText), JSON.parse(ridgeJsonText)], 10);

  const model = loadM1(m1);
  const { predict, score } = timePaths(
    tickets,
    { predict: (t) => model.predict(t.subject, t.body), score: (t) => scoreWithM1(t.subject, t.body) },
    { minMs, tickMs: resolution },
  );
  const categories = categoryCounts(tickets.map((t) => model.predict(t.subject, t.body).category));
  expect(Object.values(categories).reduce((s, n) => s + n, 0)).toBe(tickets.length);

  let routerDo: WorkerdBench["routerDo"] = null;
  try {
    // /v1's path since sharding: M1 in this isolate, then one RPC to the (tenant, category) shard.
    const tenant = `bench-m1-${crypto.randomUUID().slice(0, 8)}`;
    for (const t of tickets.slice(0, 50)) await v1Queue.enqueue(env.ROUTER, tenant, t);
    const start = performance.now();
    for (const t of tickets) await v1Queue.enqueue(env.ROUTER, tenant, t);
    const meanUs = ((performance.now() - start) / tickets.length) * 1000;
    while ((await v1Queue.drain(env.ROUTER, tenant, 500)).remaining > 0);
    routerDo = { tickets: tickets.length, meanUs: Number(meanUs.toFixed(1)), modelLoadMsInDo: null };
  } catch (error) {
    console.warn("Router DO path not measured:", error);
  }

  task.meta.m1Bench = {
    clockResolutionMs: resolution,
    minMs,
    firstBundledLoadMs,
    load,
    jsonParse,
    predict,
    score,
    categories,
    routerDo,
  };
});
