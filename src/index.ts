import { createApp } from "./app.ts";
import { sweepFromEnv } from "./queue/sweeper.ts";
import type { ApiEnv } from "./env.ts";

export { Router } from "./router/router-do.ts";
export { EmbeddedStore } from "./store/embedded-do.ts";
export { CorrectionLog } from "./corrections/correction-log.ts";

const app = createApp();

/**
 * The API Worker's entry (wrangler.jsonc): routes, the Durable Objects and the sweeper. It only
 * produces to the /v2 queue; the consumer is its own Worker (src/consumer.ts), so nothing here
 * may import M2's runtime (dev/bundle-size.test.ts checks the bundle).
 */
export default {
  fetch: app.fetch,
  // The cron trigger (wrangler.jsonc triggers.crons) re-sends /v2 tickets whose queue message
  // was lost; why a cron and not a Durable Object alarm: src/queue/sweeper.ts.
  scheduled: async (_controller, env) => {
    await sweepFromEnv(env);
  },
} satisfies ExportedHandler<ApiEnv>;
