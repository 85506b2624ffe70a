import type { Correction } from "../schemas/corrections.ts";
import type { CorrectionInput } from "../schemas/corrections.ts";
import type { NewCorrection } from "../corrections/correction-log.ts";
import type { RoutingReason } from "../schemas/routing.ts";
import type { Category } from "../ml/categories.ts";
import type { TicketRecord, TicketStore } from "../store/types.ts";

/** The tenant's CorrectionLog as this flow uses it (the Durable Object stub, or a test double). */
export interface CorrectionLedger {
  record(entry: NewCorrection): Promise<Correction> | Correction;
  markMoved(correctionId: string): Promise<boolean> | boolean;
}

export type CorrectOutcome =
  | { kind: "corrected"; correction: Correction; ticket: TicketRecord }
  /** No live record (never existed, or past its retention): nothing recorded. */
  | { kind: "unknown" }
  /** Not scored yet: nothing recorded. */
  | { kind: "pending" }
  /** Claimed, and `lease_id` is not its live lease (or absent): nothing recorded. */
  | { kind: "stale"; leaseGiven: boolean }
  /** The ticket changed between the check and the move (a lease ran out and was re-claimed, retention ended): recorded, not applied. */
  | { kind: "raced"; correction: Correction };

export function agentReason(agent: string | null, previous: Category | null, category: Category): RoutingReason {
  const who = agent ?? "an agent";
  const detail = previous === category ? `${who} confirmed ${category}` : `${who} corrected ${previous ?? "(unscored)"} to ${category}`;
  return { decided_by: "agent", rules: [], detail };
}

/**
 * POST /v2/tickets/{id}/category. The checks that refuse (unknown, pending, a lease that is not
 * the live one) come first, so a refused request records nothing. Then the correction is
 * written to the ledger BEFORE the ticket is touched: the ledger is the training data, and a
 * failure while moving the ticket must never lose it. The store then applies it in one atomic
 * step that re-checks the state (see TicketStore.correctCategory); `moved` is set once a
 * waiting ticket has moved to the new category's auto queue.
 */
export async function correctTicket(
  store: TicketStore,
  ledger: CorrectionLedger,
  id: string,
  input: CorrectionInput,
  agent: string | null,
): Promise<CorrectOutcome> {
  const current = await store.ticketState(id);
  if (!current) return { kind: "unknown" };
  const { record, state } = current;
  if (state === "pending") return { kind: "pending" };
  if (state === "claimed" && record.lease?.id !== input.lease_id) return { kind: "stale", leaseGiven: input.lease_id !== undefined };

  const previous = record.category ?? null;
  const correction = await ledger.record({
    ticket_id: id,
    api: "v2",
    previous_category: previous,
    category: input.category,
    agent,
    state,
    subject: record.subject,
    body: record.body,
  });
  const applied = await store.correctCategory(id, {
    category: input.category,
    leaseId: input.lease_id ?? null,
    reason: agentReason(agent, previous, input.category),
  });
  if (!applied.ok) return { kind: "raced", correction };
  if (applied.relabelled && applied.state === "processed") {
    await ledger.markMoved(correction.correction_id);
    return { kind: "corrected", correction: { ...correction, moved: true }, ticket: applied.record };
  }
  return { kind: "corrected", correction, ticket: applied.record };
}
