/**
 * Counts a server's sync-to-disk system calls over a stretch of requests, for bench:v1's
 * untimed fsync pass: `strace -f -c` attached to every process of the server (all threads),
 * detached with SIGINT, its summary table parsed. strace slows what it traces, so this pass
 * is never one of the timed ones.
 */
import { spawn, spawnSync } from "node:child_process";

export const SYNC_CALLS = ["fsync", "fdatasync", "sync_file_range", "msync", "syncfs"] as const;

/** Whether strace is on PATH (and runs). */
export function straceAvailable(): boolean {
  return spawnSync("strace", ["-V"], { stdio: "ignore" }).status === 0;
}

/** Calls per syscall from `strace -c`'s summary ("% time  seconds  usecs/call  calls  errors  syscall"). */
export function parseStraceSummary(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const cols = line.trim().split(/\s+/);
    // errors may be blank: 5 or 6 columns, calls always the 4th, the name always last.
    if ((cols.length !== 5 && cols.length !== 6) || !/^[\d.]+$/.test(cols[0]!) || !/^\d+$/.test(cols[3]!)) continue;
    const name = cols[cols.length - 1]!;
    if (name === "total" || !/^[a-z_0-9]+$/.test(name)) continue;
    counts[name] = (counts[name] ?? 0) + Number(cols[3]);
  }
  return counts;
}

/** Attaches to `pids`, runs `work`, detaches; the sync calls counted meanwhile. */
export async function countSyncCalls(pids: number[], work: () => Promise<void>): Promise<Record<string, number>> {
  const child = spawn("strace", ["-f", "-c", "-e", `trace=${SYNC_CALLS.join(",")}`, ...pids.flatMap((p) => ["-p", String(p)])], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  // strace says "Process N attached" per thread; wait until it has attached to every pid.
  const deadline = Date.now() + 10_000;
  while (pids.some((p) => !stderr.includes(`Process ${p} attached`))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`strace could not attach to ${pids.join(", ")}: ${stderr.trim().split("\n").slice(-3).join(" / ")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    await work();
  } finally {
    child.kill("SIGINT");
    await exited;
  }
  return parseStraceSummary(stderr);
}
