import { createApp } from "./app.ts";
import { consumeQueue } from "./queue/dispatch.ts";
import type { Env } from "./env.ts";
import type { TicketMessage } from "./queue/message.ts";

export { Router } from "./router/router-do.ts";
export { EmbeddedStore } from "./store/embedded-do.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: consumeQueue,
} satisfies ExportedHandler<Env, TicketMessage>;
