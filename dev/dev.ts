/**
 * `npm run dev [-- wrangler dev options]`: one `wrangler dev` running both Workers (the API,
 * wrangler.jsonc, on :8787, and the /v2 consumer, wrangler.consumer.jsonc, sharing its local
 * queue, Durable Objects and R2 bucket in .wrangler/state), after
 * - saying whether the local API is open (no API_TOKEN: /v1 and /v2 take any request), since a
 *   protected-looking local server that is in fact open is how tokens get skipped in testing;
 * - passing the optional secrets from .dev.vars / .env that wrangler would drop because
 *   wrangler.jsonc declares `secrets` (dev/dev-vars.ts explains), so .dev.vars works as documented.
 * Everything after `--` goes to wrangler dev unchanged; its exit status is this script's.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { dirname, delimiter } from "node:path";
import { authNotice, localDevSettings } from "./dev-vars.ts";
import { devEnvironment, LOCAL_TRACING_VAR, localTracingOn } from "./local-tracing.ts";
import { WRANGLER_BIN } from "./dev-server.ts";
import { DEV_CONFIG_ARGS } from "./wrangler-config.ts";

const args = process.argv.slice(2);
const settings = localDevSettings({ args });
const say = (line: string) => process.stderr.write(`[npm run dev] ${line}\n`);
say(authNotice(settings));
const names = Object.keys(settings.forwarded);
if (names.length) say(`passing ${names.join(", ")} from .dev.vars/.env to the API Worker as --var (shown as "(hidden)").`);
const env = devEnvironment(process.env);
say(
  localTracingOn(env)
    ? `local tracing on (${LOCAL_TRACING_VAR}=${env[LOCAL_TRACING_VAR] ?? "unset"}): the Local Explorer's Observability tab records every request.`
    : `local tracing off (faster; ${LOCAL_TRACING_VAR}=true npm run dev records traces for the Local Explorer).`,
);
say("starting the API Worker and the /v2 consumer Worker (which reads .dev.vars itself) in one wrangler dev.");

const child = spawn(process.execPath, [WRANGLER_BIN, "dev", ...DEV_CONFIG_ARGS, ...args, ...settings.varArgs], {
  stdio: "inherit",
  // wrangler runs build.command (`node dev/build-assets.ts`) through the shell: same Node as this.
  env: { ...env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}` },
});
// Ctrl-C reaches wrangler directly (same terminal process group); other signals are passed on.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (signal !== "SIGINT" || !process.stdin.isTTY) child.kill(signal);
  });
}
child.once("error", (error) => {
  say(`cannot start wrangler: ${error.message}`);
  process.exitCode = 1;
});
child.once("exit", (code, signal) => {
  process.exitCode = code ?? (signal ? 128 + constants.signals[signal] : 1);
});
