import { DEFAULT_TENANT, TenantNameSchema } from "../http/tenant-name.ts";

/**
 * What POST /v2/tickets puts on the queue: the store holds the rest. `tenant` names whose
 * store holds the ticket; absent means `default`, which is also what every message sent
 * before tenants existed means, so messages still in flight across a deploy keep working.
 */
export interface TicketMessage {
  ticket_id: string;
  accepted_at: string;
  tenant?: string;
}

/** The tenant a message is for, or null when its `tenant` is not a tenant name (a malformed message). */
export function messageTenant(body: Partial<TicketMessage> | undefined): string | null {
  const tenant = body?.tenant;
  if (tenant === undefined || tenant === null) return DEFAULT_TENANT;
  return TenantNameSchema.safeParse(tenant).success ? tenant : null;
}
