// Makes sure a real redis-server answers at a URL, starting a local throwaway one if none does.
// Tests and `npm run dev:redis` depend on real Redis; CI machines may not have one running yet.
import { spawn } from "node:child_process";
import { connect } from "node:net";

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export type RedisAddress = { host: string; port: number };

export function parseRedisUrl(url: string): RedisAddress {
  const parsed = new URL(url);
  if (parsed.protocol !== "redis:") throw new Error(`expected a redis:// URL, got ${url}`);
  return { host: parsed.hostname || "127.0.0.1", port: parsed.port ? Number(parsed.port) : 6379 };
}

// A raw RESP PING over a socket, so probing never triggers a client's reconnect loop.
// NOAUTH still proves a server is there; only "no reply at all" means we must start one.
export function ping({ host, port }: RedisAddress, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: host.replace(/^\[|\]$/g, ""), port });
    let reply = "";
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once("error", () => finish(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      if (reply.includes("\r\n")) finish(reply.startsWith("+PONG") || reply.startsWith("-NOAUTH"));
    });
  });
}

function startDaemon({ host, port }: RedisAddress): Promise<void> {
  const bind = host === "localhost" ? "127.0.0.1" : host.replace(/^\[|\]$/g, "");
  const args = ["--port", String(port), "--bind", bind, "--save", "", "--appendonly", "no", "--daemonize", "yes"];
  return new Promise((resolve, reject) => {
    const child = spawn("redis-server", args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "ENOENT"
          ? new Error(
              `Nothing answers PING at ${host}:${port} and no redis-server binary is on PATH. ` +
                "Install it (apt-get install redis-server) or set REDIS_URL to a running Redis.",
            )
          : err,
      ),
    );
    // With --daemonize the foreground process exits as soon as the daemon is forked.
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`redis-server exited with ${code}: ${stderr.trim()}`)),
    );
  });
}

/**
 * Resolves once something answers PING at `url`. Starts a non-persistent daemon on loopback
 * when nothing does; remote addresses are never started, only reported.
 * Returns true when this call started the server.
 */
export async function ensureRedis(url = DEFAULT_REDIS_URL, timeoutMs = 5000): Promise<boolean> {
  const address = parseRedisUrl(url);
  if (await ping(address)) return false;
  if (!LOCAL_HOSTS.has(address.host)) {
    throw new Error(`Nothing answers PING at ${url}, and it is not a local address this helper may start.`);
  }
  await startDaemon(address);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ping(address)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Started redis-server for ${url} but it did not answer PING within ${timeoutMs} ms.`);
}
