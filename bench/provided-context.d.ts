// What the bench global setups hand the workerd benches through `provide`/`inject`.
import "vitest";
import type { BenchTicket } from "./measure.ts";

declare module "vitest" {
  interface ProvidedContext {
    benchTickets: BenchTicket[];
    benchMinMs: number;
    m2Bench: { sha256: string; byteLength: number; seed: number; scale: number };
  }
}
