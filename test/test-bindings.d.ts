// Bindings the test runtime adds to the Worker under test (vitest.config.ts), beyond what
// wrangler.jsonc gives the API Worker: the consumer Worker's MODELS bucket (the same local
// bucket), so workerd tests can put an encoder where the consumer reads it and run M2 in-isolate.
// src/ never sees it: its handlers take ApiEnv or ConsumerEnv (src/env.ts).
declare namespace Cloudflare {
  interface Env {
    MODELS: R2Bucket;
  }
}
