import { DurableObject } from "cloudflare:workers";
export class Router extends DurableObject<Env> {
  async depth(): Promise<number> { return 0; }
}
