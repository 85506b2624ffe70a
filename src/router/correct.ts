import type { CorrectionLog } from "../corrections/correction-log.ts";
import type { Category } from "../ml/categories.ts";
import type { Correction } from "../schemas/corrections.ts";
import type { RoutingReason } from "../schemas/routing.ts";
import type { TicketLookup } from "../schemas/ticket.ts";
import type { BeginMoveOutcome } from "./move.ts";
import type { CorrectionTarget } from "./router-do.ts";
import { shardName } from "./shard-key.ts";
import { completeMove, follow, lookup, type Routers } from "./tenant-queue.ts";

export type CorrectOutcome =
  | { kind: "unknown" }
  /** Claimed, and `lease_id` is not its live lease: nothing recorded, nothing changed. */
  | { kind: "stale" }
  /** Claimed by someone else between the check and the move: recorded (moved false), not applied. */
  | { kind: "claimed-meanwhile"; correction: Correction }
  /** Done so long ago that its text is gone (DONE_TEXT_KEEP): nothing to train on, nothing recorded. */
  | { kind: "no-text" }
  /** `ticket` is null only if the ticket's done record was trimmed in the meantime. */
  | { kind: "corrected"; correction: Correction; ticket: TicketLookup | null };

/** Prefer an answer that found the ticket (a tag collision asks two shards). */
function found<T extends { kind: string }>(answers: T[]): T {
  return answers.find((a) => a.kind !== "unknown") ?? answers[0]!;
}

/**
 * POST /v1/tickets/{id}/category. The correction is recorded in the tenant's CorrectionLog first,
 * then applied: a waiting or claimed ticket is relabelled (moved to the new category's shard, auto
 * lane, at its old place, its lease carried; or, same category, confirmed in place), a done one is
 * only recorded. `moved` is set once the ticket is in its new queue. A check before recording
 * makes a wrong lease a 409 that writes nothing. If the ticket is claimed (or its lease changes)
 * in the instant between that check and the move, the correction stays recorded (moved false: it
 * is still training data) and is not applied; the answer is a 409 that says so.
 */
export async function correct(
  ns: Routers,
  log: DurableObjectStub<CorrectionLog>,
  tenant: string,
  ticketId: string,
  input: { category: Category; lease_id?: string | undefined },
  agent: string | null,
): Promise<CorrectOutcome> {
  const leaseId = input.lease_id ?? null;
  const { answer: target } = await follow<CorrectionTarget>(ns, tenant, ticketId, (s) => s.correctionTarget(ticketId, leaseId), found);
  if (target.kind === "unknown") return { kind: "unknown" };
  if (target.kind === "stale") return { kind: "stale" };
  if (target.kind === "done" && !target.text) return { kind: "no-text" };

  const previous = target.kind === "done" ? target.category : target.ticket.category;
  const text = target.kind === "done" ? target.text! : { subject: target.ticket.subject, body: target.ticket.body };
  const correction = await log.record({
    ticket_id: ticketId,
    api: "v1",
    previous_category: previous,
    category: input.category,
    agent,
    state: target.kind,
    subject: text.subject,
    body: text.body,
  });
  if (target.kind === "done") return { kind: "corrected", correction, ticket: await lookup(ns, tenant, ticketId) };

  const reason: RoutingReason = {
    decided_by: "agent",
    rules: [],
    detail:
      previous === input.category
        ? `confirmed as ${input.category} by ${agent ?? "an agent"}`
        : `corrected from ${previous} to ${input.category} by ${agent ?? "an agent"}`,
  };
  const { answer: outcome, stub } = await follow<BeginMoveOutcome>(
    ns,
    tenant,
    ticketId,
    (s) => s.beginMove({ ticket_id: ticketId, category: input.category, to: shardName(tenant, input.category), lease_id: leaseId, reason }),
    found,
  );
  let moved = false;
  if (outcome.kind === "moving") {
    await completeMove(ns, stub, outcome.move);
    moved = true;
  } else if (outcome.kind === "in-place") moved = outcome.changed;
  if (moved && (await log.markMoved(correction.correction_id))) correction.moved = true;
  if (outcome.kind === "stale") return { kind: "claimed-meanwhile", correction };
  const ticket = await lookup(ns, tenant, ticketId);
  return { kind: "corrected", correction, ticket };
}
