/**
 * Both Workers in workerd without `wrangler dev`, for bench:v1's "workerd" mode.
 *
 * `wrangler dev` runs two Miniflare instances: a ProxyWorker that takes every request on the
 * public port and forwards it to the instance running the user's Workers (so it can hold
 * requests during a reload), and, with local tracing on, a collector Worker that every
 * invocation streams its trace to (dev/local-tracing.ts). This starts one Miniflare instance
 * itself (the library wrangler uses to drive workerd, the version wrangler depends on), with
 * - the bundles `wrangler deploy --dry-run` builds (dev/worker-bundle.ts), i.e. what production runs;
 * - the bindings wrangler derives from the two configs (`unstable_getMiniflareWorkerOptions`,
 *   as vitest.config.ts uses them), so the Durable Objects, queue and R2 bucket are the same;
 * - Durable Object storage on disk in a throwaway folder, as wrangler dev persists it;
 * - no ProxyWorker, no observability collector, no Local Explorer.
 * A request then goes client → workerd's socket → Miniflare's entry Worker → the API Worker: the
 * entry Worker is in wrangler dev's path too, so the modes differ by exactly the dev tooling.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { buildWorkerBundle, type WorkerBundle } from "../dev/worker-bundle.ts";
import { CONSUMER_CONFIG_PATH, WRANGLER_CONFIG_PATH } from "../dev/wrangler-config.ts";

export interface WorkerdServer {
  url: string;
  /** The workerd processes this Miniflare started (for CPU accounting). */
  pids: number[];
  stop(): Promise<void>;
}

/** `vars` reach the API Worker only, as wrangler dev's --var does. */
export async function startWorkerd(vars: Record<string, string>): Promise<WorkerdServer> {
  const dir = await mkdtemp(join(tmpdir(), "smart-support-workerd-"));
  const before = new Set(childPids(process.pid));
  // workerd dies with this process; its folder would not (a Ctrl-C ends in process.exit).
  const removeOnExit = () => rmSync(dir, { recursive: true, force: true });
  process.once("exit", removeOnExit);
  let mf: Miniflare | undefined;
  try {
    const api = buildWorkerBundle(WRANGLER_CONFIG_PATH, join(dir, "api"));
    const consumer = buildWorkerBundle(CONSUMER_CONFIG_PATH, join(dir, "consumer"));
    // wrangler hands out Miniflare 4's worker options; Miniflare 5 converts them itself.
    mf = new Miniflare(
      convertV4MiniflareOptions({
        host: "127.0.0.1",
        port: 0,
        resourcePersistencePath: join(dir, "state"),
        workers: [workerFrom(WRANGLER_CONFIG_PATH, "smart-support-edge", api, vars), workerFrom(CONSUMER_CONFIG_PATH, "smart-support-edge-consumer", consumer, {})],
      } as Parameters<typeof convertV4MiniflareOptions>[0]),
    );
    const url = (await mf.ready).toString().replace(/\/+$/, "");
    const pids = childPids(process.pid).filter((pid) => !before.has(pid) && comm(pid) === "workerd");
    const running = mf;
    return {
      url,
      pids,
      stop: async () => {
        await running.dispose();
        await rm(dir, { recursive: true, force: true });
        process.removeListener("exit", removeOnExit);
      },
    };
  } catch (error) {
    await mf?.dispose().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    process.removeListener("exit", removeOnExit);
    throw error;
  }
}

function workerFrom(configPath: string, name: string, bundle: WorkerBundle, vars: Record<string, string>) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  const options = workerOptions as typeof workerOptions & { bindings?: Record<string, unknown> };
  return {
    ...options,
    name,
    bindings: { ...(options.bindings ?? {}), ...vars },
    modulesRoot: bundle.dir,
    modules: bundle.modules.map((m) => ({ type: m.type, path: join(bundle.dir, m.name) })),
  };
}

/** Direct children of `pid`, from /proc (Linux). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.ppid === pid) out.push(Number(entry));
  }
  return out;
}

/** CPU seconds (user + system) a process has used so far; 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  const stat = readStat(pid);
  return stat ? (stat.utime + stat.stime) / CLOCK_TICKS : 0;
}

/** Every descendant of `pid`, itself included. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...childPids(all[i]!));
  return all;
}

// Linux's USER_HZ is 100 on every architecture Node runs on.
const CLOCK_TICKS = 100;

function readStat(pid: number): { ppid: number; utime: number; stime: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: the fields start after the last ")".
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]) };
  } catch {
    return null;
  }
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}
