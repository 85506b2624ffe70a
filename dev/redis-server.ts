// Starts a private, throwaway redis-server for the tests and `npm run dev:redis`.
// Whatever already listens on the machine (a developer's Redis, a CI service on the default
// port) belongs to someone else: it is never probed, used or flushed. Instead every caller
// gets its own server on a free loopback port, without persistence, and stops it afterwards.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type RedisAddress = { host: string; port: number };

export interface RedisServer extends RedisAddress {
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  /** The redis-server process; INFO's process_id equals it (checked at start). */
  readonly pid: number;
  /** Ends the server (SIGTERM, nothing saved) and removes its working folder. Idempotent. */
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** Picks a candidate port; default: one the OS reports free. Tests inject a taken one. */
  pickPort?: () => Promise<number>;
  /** Ports tried before giving up, for the race where another process binds ours first. */
  attempts?: number;
}

const HOST = "127.0.0.1";

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// A raw RESP command over a socket, so probing never triggers a client's reconnect loop.
// Resolves with the reply's first line plus any bulk payload, or null when nothing answers.
function rawCommand({ host, port }: RedisAddress, command: string, timeoutMs = 30_000): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = "";
    const finish = (value: string | null) => {
      socket.destroy();
      resolve(value);
    };
    // Only against a peer that accepts and never replies; a closed port fails at once, and a
    // live Redis answers in well under this even on a loaded machine.
    socket.setTimeout(timeoutMs, () => finish(null));
    socket.once("error", () => finish(null));
    socket.once("connect", () => socket.write(`${command}\r\n`));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      const lineEnd = reply.indexOf("\r\n");
      if (lineEnd < 0) return;
      if (!reply.startsWith("$")) return finish(reply.slice(0, lineEnd));
      const length = Number(reply.slice(1, lineEnd));
      if (length < 0) return finish("");
      if (reply.length >= lineEnd + 2 + length) finish(reply.slice(lineEnd + 2, lineEnd + 2 + length));
    });
  });
}

/** True when a Redis answers PONG at the address (used to prove a stopped server is gone). */
export async function ping(address: RedisAddress, timeoutMs?: number): Promise<boolean> {
  return (await rawCommand(address, "PING", timeoutMs)) === "+PONG";
}

/** process_id from INFO server, or null when nothing (or not Redis) answers. */
export async function serverPid(address: RedisAddress): Promise<number | null> {
  const info = await rawCommand(address, "INFO server");
  const match = info?.match(/^process_id:(\d+)/m);
  return match ? Number(match[1]) : null;
}

class PortTakenError extends Error {}

// Resolves once this child logs readiness; rejects if it exits first. Event-driven on purpose:
// a loaded machine may take seconds to exec redis-server, and no fixed wait would be right.
function waitUntilReady(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (/Ready to accept connections/.test(output)) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      const why = `redis-server on port ${port} exited (${signal ?? code}) before it was ready:\n${output.trim()}`;
      reject(/Address already in use|bind/i.test(output) ? new PortTakenError(why) : new Error(why));
    };
    const onError = (error: NodeJS.ErrnoException) => {
      cleanup();
      reject(
        error.code === "ENOENT"
          ? new Error("No redis-server binary on PATH. Install it (apt-get install -y redis-server).")
          : error,
      );
    };
    const cleanup = () => {
      child.stdout!.off("data", onData);
      child.stderr!.off("data", onData);
      child.off("exit", onExit);
      child.off("error", onError);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", onExit);
    child.once("error", onError);
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Starts redis-server on a free loopback port: no RDB snapshots, no AOF, its working folder
 * a fresh temporary directory. Retries on another port if one is taken between picking and
 * binding, and checks that the server answering on the port is the process it spawned, so a
 * caller can never end up talking to a Redis it did not start.
 */
export async function startRedisServer(options: StartRedisOptions = {}): Promise<RedisServer> {
  const pickPort = options.pickPort ?? freePort;
  const attempts = options.attempts ?? 5;
  const dir = await mkdtemp(join(tmpdir(), "smart-support-redis-"));
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = await pickPort();
    const args = [
      "--port", String(port),
      "--bind", HOST,
      "--save", "",
      "--appendonly", "no",
      "--dir", dir,
      "--daemonize", "no",
      "--protected-mode", "yes",
      // Readiness is read from this output; the default level prints the "Ready" line.
      "--loglevel", "notice",
      "--logfile", "",
    ];
    const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    // If the owner dies without calling stop(), do not leave the server behind.
    const killOnExit = () => child.kill("SIGKILL");
    process.once("exit", killOnExit);
    try {
      await waitUntilReady(child, port);
    } catch (error) {
      process.off("exit", killOnExit);
      child.kill("SIGKILL");
      await exited(child);
      lastError = error;
      if (error instanceof PortTakenError) continue;
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    // From here on its output is no longer needed, but the pipes must not fill up.
    child.stdout!.resume();
    child.stderr!.resume();
    const stop = async () => {
      process.off("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited(child);
      await rm(dir, { recursive: true, force: true });
    };
    const answering = await serverPid({ host: HOST, port });
    if (answering !== child.pid) {
      await stop();
      throw new Error(`port ${port} is answered by process ${answering}, not by the redis-server we started (${child.pid})`);
    }
    return { host: HOST, port, url: `redis://${HOST}:${port}`, pid: child.pid!, stop };
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`could not start redis-server after ${attempts} ports were taken`, { cause: lastError });
}
