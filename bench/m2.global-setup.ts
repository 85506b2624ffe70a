// globalSetup of the workerd half of bench:m2 (bench/vitest.m2.config.ts), next to
// bench/global-setup.ts, which provides the tickets. Runs in Node. workerd cannot read the
// model file, so this serves it on a loopback port for the test to fetch (and check against
// the sha256 handed over with it); bench/m2-report.ts passes the path and the workload in
// BENCH_M2_CONFIG, so both halves run exactly the same workload.
import { createReadStream } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import type { WorkloadConfig } from "./m2-workload.ts";

export type M2BenchConfig = { modelPath: string; sha256: string; workload: WorkloadConfig; levers: boolean };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const raw = process.env.BENCH_M2_CONFIG;
  if (!raw) throw new Error("BENCH_M2_CONFIG is not set: run the workerd half through npm run bench:m2");
  const config = JSON.parse(raw) as M2BenchConfig;
  const server = createServer((req, res) => {
    if (req.url !== "/model.onnx") return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/octet-stream" });
    createReadStream(config.modelPath).pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  project.provide("m2Bench", { modelUrl: `http://127.0.0.1:${port}/model.onnx`, sha256: config.sha256, workload: config.workload, levers: config.levers });
  return () => new Promise<void>((done) => server.close(() => done()));
}
