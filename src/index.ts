import { createApp } from "./app.ts";
import { consumeQueue, sweepFromEnv } from "./queue/dispatch.ts";
import type { Env } from "./env.ts";
import type { TicketMessage } from "./queue/message.ts";

export { Router } from "./router/router-do.ts";
export { EmbeddedStore } from "./store/embedded-do.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: consumeQueue,
  // The cron trigger (wrangler.jsonc triggers.crons) re-sends /v2 tickets whose queue message
  // was lost; why a cron and not a Durable Object alarm: src/queue/sweeper.ts.
  scheduled: async (_controller, env) => {
    await sweepFromEnv(env);
  },
} satisfies ExportedHandler<Env, TicketMessage>;
