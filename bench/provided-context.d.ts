// What the bench global setups hand the workerd benches through `provide`/`inject`.
import "vitest";
import type { BenchTicket } from "./measure.ts";
import type { WorkloadConfig } from "./m2-workload.ts";

declare module "vitest" {
  interface ProvidedContext {
    benchTickets: BenchTicket[];
    benchMinMs: number;
    m2Bench: { modelUrl: string; sha256: string; workload: WorkloadConfig; levers: boolean };
  }
}
