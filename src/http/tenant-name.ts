import { z } from "@hono/zod-openapi";

/**
 * What a tenant name is, free of Worker-only imports (tenant.ts reaches the Router Durable
 * Object): the consumer Worker and Node-run tests read tenant names from queue messages and
 * store names without bundling or loading the Router.
 */

/** The tenant of API_TOKEN, and of every request while auth is off. */
export const DEFAULT_TENANT = "default";

/** Tenant names become Durable Object names, key prefixes and rate-limit keys: short, lower-case, no separators to confuse. */
export const TenantNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "tenant must be 1-63 characters: a-z, 0-9, '_' or '-', starting with a letter or digit");
