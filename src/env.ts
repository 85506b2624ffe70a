import type { Router } from "./router/router-do";
declare global {
  interface Env { ROUTER: DurableObjectNamespace<Router>; }
}
export {};
