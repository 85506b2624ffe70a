/**
 * Starts `wrangler dev` for scripts that need a live Worker (bench:v2, test:browser), so they
 * need no manual step and never collide with a developer's `npm run dev` on :8787:
 * - both Workers, as `npm run dev` runs them: the API (its URL is `url`) and the /v2 consumer;
 * - free ports picked by the OS, for HTTP and the inspector;
 * - its own throwaway persistence folder, so its Durable Objects and local queue
 *   neither see nor touch .wrangler/state;
 * - its own process group, so stop() ends wrangler and its workerd child together;
 * - the same settings as `npm run dev`: .dev.vars / .env, with the optional secrets wrangler
 *   would drop passed on as --var (dev/dev-vars.ts), build.command run by the same Node, and
 *   local tracing off unless X_LOCAL_OBSERVABILITY says otherwise (dev/local-tracing.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, openSync, closeSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { REPO_ROOT } from "../dataset/load.ts";
import { localDevSettings } from "./dev-vars.ts";
import { devEnvironment } from "./local-tracing.ts";
import { DEV_CONFIG_ARGS } from "./wrangler-config.ts";

export interface DevServer {
  url: string;
  port: number;
  /** wrangler's stdout and stderr; removed by stop() unless keepLog. */
  logPath: string;
  /** wrangler's process id, also its process group's (its workerd children are in the group). */
  pid: number;
  /** Milliseconds from spawn until /health answered 200. */
  startupMs: number;
  stop(options?: { keepLog?: boolean }): Promise<void>;
}

export interface DevServerOptions {
  /**
   * Passed as `--var NAME:value` (e.g. API_TOKEN, so the server expects the token the script
   * sends). They reach the API Worker only: wrangler applies --var to the first config.
   */
  vars?: Record<string, string>;
  readyTimeoutMs?: number;
  /**
   * Environment variables for wrangler on top of this process's, e.g. X_LOCAL_OBSERVABILITY
   * "true" to measure wrangler dev with local tracing on (bench:v1).
   */
  env?: Record<string, string>;
}

export const WRANGLER_BIN = resolve(REPO_ROOT, "node_modules/wrangler/bin/wrangler.js");

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  if (!existsSync(WRANGLER_BIN)) throw new Error(`wrangler not installed (${WRANGLER_BIN} missing): run npm install`);
  const port = await freePort();
  const inspectorPort = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "smart-support-dev-"));
  const logPath = join(dir, "wrangler.log");
  const logFd = openSync(logPath, "a");

  const args = [
    WRANGLER_BIN, "dev",
    ...DEV_CONFIG_ARGS,
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--inspector-port", String(inspectorPort),
    "--persist-to", join(dir, "state"),
    "--show-interactive-dev-session=false",
  ];
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push("--var", `${name}:${value}`);
  args.push(...localDevSettings({ args }).varArgs);

  // process.execPath: wrangler needs Node 22 and the system `node` may be older.
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ["ignore", logFd, logFd],
    env: {
      ...devEnvironment({ ...process.env, ...options.env } as NodeJS.ProcessEnv),
      // wrangler runs build.command (`node dev/build-assets.ts`) through the shell; the system
      // `node` may be too old to run TypeScript, so put this Node first.
      PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`,
      WRANGLER_SEND_METRICS: "false",
      NO_COLOR: "1",
    },
  });
  closeSync(logFd);

  let exited = false;
  const exit = new Promise<void>((done) => child.once("exit", () => ((exited = true), done())));
  // If the calling script dies without stop(), the server must not outlive it.
  // (A detached child gets no Ctrl-C from the terminal, so forward interrupts by hand.)
  const killOnExit = () => killGroup(child, "SIGKILL");
  const killOnSignal = (signal: NodeJS.Signals) => {
    killGroup(child, "SIGKILL");
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("exit", killOnExit);
  process.once("SIGINT", killOnSignal);
  process.once("SIGTERM", killOnSignal);

  const stop = async ({ keepLog = false } = {}) => {
    process.removeListener("exit", killOnExit);
    process.removeListener("SIGINT", killOnSignal);
    process.removeListener("SIGTERM", killOnSignal);
    if (!exited) {
      killGroup(child, "SIGTERM");
      const gone = await Promise.race([exit.then(() => true), sleep(5_000).then(() => false)]);
      if (!gone) killGroup(child, "SIGKILL");
      await Promise.race([exit, sleep(2_000)]);
    }
    // workerd may linger a moment after wrangler; make sure the whole group is gone.
    killGroup(child, "SIGKILL");
    if (!keepLog) await rm(dir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const deadline = started + (options.readyTimeoutMs ?? 90_000);
  while (performance.now() < deadline) {
    if (exited) {
      await stop({ keepLog: true });
      throw new Error(`wrangler dev exited before becoming ready; log ${logPath}:\n${tail(logPath)}`);
    }
    try {
      // Generous: /health probes every dependency, and on a loaded machine its first answer
      // (Durable Objects starting, M1 loading) can take seconds; a probe given up on still runs
      // in the server, so short timeouts only pile up work in front of the next probe.
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(20_000) });
      await res.arrayBuffer();
      if (res.ok) return { url, port, pid: child.pid!, logPath, startupMs: performance.now() - started, stop };
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  await stop({ keepLog: true });
  throw new Error(`wrangler dev did not answer /health within ${options.readyTimeoutMs ?? 90_000} ms; log ${logPath}:\n${tail(logPath)}`);
}

/** Asks the OS for an unused port; tiny race with other processes, acceptable for dev tooling. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? done(port) : fail(new Error("no free port"))));
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
