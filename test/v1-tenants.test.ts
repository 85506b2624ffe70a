// Tenant isolation on /v1: each API_TOKENS tenant has its own Router Durable Objects, so a
// second tenant's token can neither see, pop, claim, ack nor drain the first one's tickets,
// and a lease records the agent its token names.
import { describe, expect, it } from "vitest";
import { callWithToken } from "./helpers.ts";

// Fresh tenant names per run: the Router objects persist across tests in this runtime.
const run = crypto.randomUUID().slice(0, 8);
const ACME = `acme-token-${run}-0123456789`;
const BETA = `beta-token-${run}-0123456789`;
const API_TOKENS = JSON.stringify({ [ACME]: { tenant: `acme-${run}`, agent: "alice" }, [BETA]: { tenant: `beta-${run}` } });

const as = (token: string, method: string, path: string, body?: unknown) => callWithToken({ API_TOKENS }, token, method, path, body);

describe("/v1 tenants", () => {
  it("keeps one tenant's tickets out of another's reach, and records the token's agent on a lease", async () => {
    const posted = await as(ACME, "POST", "/v1/tickets", { subject: "Refund", body: "I was charged twice for my invoice." });
    expect(posted.status).toBe(201);
    const id = posted.body.ticket_id as string;

    // beta sees an empty queue and cannot reach the ticket by id, claim, ack or drain it.
    expect((await as(BETA, "GET", "/v1/tickets/status")).body).toMatchObject({ pending: 0, claimed: 0 });
    expect((await as(BETA, "GET", "/v1/tickets/peek")).status).toBe(404);
    expect((await as(BETA, "GET", `/v1/tickets/${id}`)).status).toBe(404);
    expect((await as(BETA, "POST", "/v1/tickets/claim", {})).status).toBe(404);
    expect((await as(BETA, "DELETE", "/v1/tickets")).body).toMatchObject({ drained: 0, tickets: [] });
    expect((await as(BETA, "GET", "/v1/tickets/next")).status).toBe(404);

    // acme claims it; the lease names the token's agent, whatever the body says.
    const claimed = await as(ACME, "POST", "/v1/tickets/claim", { agent: "mallory" });
    expect(claimed.status).toBe(200);
    expect(claimed.body.ticket.ticket_id).toBe(id);
    expect(claimed.body.lease.agent).toBe("alice");
    const lease = claimed.body.lease.id as string;

    // beta holding the lease id still cannot ack acme's ticket: it does not exist for beta.
    expect((await as(BETA, "POST", `/v1/tickets/${id}/ack`, { lease_id: lease })).status).toBe(404);
    expect((await as(ACME, "GET", `/v1/tickets/${id}`)).body).toMatchObject({ state: "claimed" });
    expect((await as(ACME, "POST", `/v1/tickets/${id}/ack`, { lease_id: lease })).status).toBe(200);
    expect((await as(ACME, "GET", "/v1/tickets/status")).body).toMatchObject({ pending: 0, claimed: 0, processed: 1 });
    expect((await as(BETA, "GET", "/v1/tickets/status")).body).toMatchObject({ processed: 0 });
  });

  it("lets a token without an agent name one in the claim body", async () => {
    expect((await as(BETA, "POST", "/v1/tickets", { subject: "Outage", body: "Production API down." })).status).toBe(201);
    const claimed = await as(BETA, "POST", "/v1/tickets/claim", { agent: "bob" });
    expect(claimed.body.lease.agent).toBe("bob");
    expect((await as(BETA, "POST", `/v1/tickets/${claimed.body.ticket.ticket_id}/release`, { lease_id: claimed.body.lease.id })).status).toBe(200);
    expect((await as(BETA, "DELETE", "/v1/tickets")).body.drained).toBe(1);
  });
});
