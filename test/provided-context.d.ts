// What test/global-setup.ts hands the workerd tests through `provide`/`inject`.
import "vitest";

declare module "vitest" {
  interface ProvidedContext {
    upstash: { url: string; token: string };
    webhookReceiver: string;
  }
}
