import { createApp } from "./app.ts";
import { consumeQueue } from "./queue/dispatch.ts";

export { Router } from "./router/router-do.ts";
export { EmbeddedStore } from "./store/embedded-do.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: consumeQueue,
} satisfies ExportedHandler<Env>;
