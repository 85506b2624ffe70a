import { consumeQueue } from "./queue/dispatch.ts";
import type { ConsumerEnv } from "./env.ts";
import type { TicketMessage } from "./queue/message.ts";

/**
 * The consumer Worker's entry (wrangler.consumer.jsonc): the /v2 ticket queue and its
 * dead-letter queue. M2 (onnxruntime-web and its wasm) is bundled here and nowhere else;
 * the API Worker (src/index.ts) only produces to the queue.
 */
export default {
  queue: consumeQueue,
} satisfies ExportedHandler<ConsumerEnv, TicketMessage>;
