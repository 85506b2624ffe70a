// globalSetup for the workerd bench. It runs in Node: workerd cannot read files, so the
// tickets are read here (the same file bench:m1:node reads: TICKETS_CSV, else the full
// dataset if fetched, else ../shared/dataset/tickets-sample.csv) and handed over by `provide`.
import type { TestProject } from "vitest/node";
import { loadTickets } from "../dataset/load.ts";

export default async function setup(project: TestProject): Promise<void> {
  const { tickets } = await loadTickets();
  project.provide(
    "benchTickets",
    tickets.map((t) => ({ subject: t.subject, body: t.body })),
  );
  project.provide("benchMinMs", Number(process.env.BENCH_MIN_MS ?? 2));
}
