import type { EmbeddedStore } from "./embedded-do.ts";
import { withDeadline } from "./errors.ts";
import type { Category } from "../ml/categories.ts";
import {
  DEFAULT_RETENTION_MS,
  type CategoryCorrection,
  type ClaimedTicket,
  type CorrectionOutcome,
  type Lane,
  type TicketState,
  type ClaimRequest,
  type CreateOnceOutcome,
  type DrainPage,
  type IdempotentCreate,
  type LeaseResult,
  type ListPage,
  type ListRequest,
  type QueueStatus,
  type NewTicket,
  type SaveOutcome,
  type StaleClaim,
  type StaleSweep,
  type StoreCounts,
  type TicketRecord,
  type TicketResult,
  type TicketStore,
} from "./types.ts";
import { assertDrainLimit } from "../schemas/ticket.ts";
import { assertClaim, assertCorrection, assertLane, assertList } from "./queue-args.ts";
import { assertFiniteScore } from "./validate.ts";

export interface EmbeddedStoreOptions {
  namespace: DurableObjectNamespace<EmbeddedStore>;
  /** One DO instance holds a tenant's whole store (a global pop-max needs one place): select.ts names it. */
  name?: string;
  /** How long a record stays readable after it leaves the queues. */
  retentionMs?: number;
  timeoutMs?: number;
  /** The one clock for retention, delivery clocks, lock expiry and markers. */
  now?: () => number;
}

export const DEFAULT_EMBEDDED_NAME = "tickets";

/**
 * The object runs beside the Worker, so this only guards against a wedged instance;
 * a cold start that first evaluates the bundled models can take over a second on a
 * loaded machine, which the Upstash budget (DEFAULT_TIMEOUT_MS) would misreport as down.
 */
export const EMBEDDED_TIMEOUT_MS = 5_000;

/** TicketStore over the EmbeddedStore Durable Object: one RPC per method. */
export class EmbeddedTicketStore implements TicketStore {
  readonly kind = "embedded";
  readonly #namespace: DurableObjectNamespace<EmbeddedStore>;
  readonly #name: string;
  readonly #retentionMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(options: EmbeddedStoreOptions) {
    this.#namespace = options.namespace;
    this.#name = options.name ?? DEFAULT_EMBEDDED_NAME;
    this.#retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.#timeoutMs = options.timeoutMs ?? EMBEDDED_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
  }

  createPending(ticket: NewTicket): Promise<boolean> {
    return this.#call("createPending", (s) => s.createPending(ticket, this.#now()));
  }

  createPendingOnce(ticket: NewTicket, idempotency: IdempotentCreate): Promise<CreateOnceOutcome> {
    return this.#call<CreateOnceOutcome>("createPendingOnce", (s) => s.createPendingOnce(ticket, idempotency, this.#now()));
  }

  deleteTicket(id: string): Promise<boolean> {
    return this.#call("deleteTicket", (s) => s.deleteTicket(id, this.#now()));
  }

  getTicket(id: string): Promise<TicketRecord | null> {
    return this.#call<TicketRecord | null>("getTicket", (s) => s.getTicket(id, this.#now()));
  }

  startDelivery(id: string): Promise<TicketRecord | null> {
    return this.#call<TicketRecord | null>("startDelivery", (s) => s.startDelivery(id, this.#now()));
  }

  acquireLock(id: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.#call("acquireLock", (s) => s.acquireLock(id, owner, this.#now(), ttlMs));
  }

  releaseLock(id: string, owner: string): Promise<boolean> {
    return this.#call("releaseLock", (s) => s.releaseLock(id, owner, this.#now()));
  }

  async saveResult(id: string, result: TicketResult): Promise<SaveOutcome> {
    assertFiniteScore(result);
    return this.#call("saveResult", (s) => s.saveResult(id, result, this.#now()));
  }

  markFailed(id: string, reason: string): Promise<boolean> {
    return this.#call("markFailed", (s) => s.markFailed(id, reason, this.#now(), this.#retentionMs));
  }

  async popNext(category: Category | null = null, lane: Lane = "auto"): Promise<TicketRecord | null> {
    assertLane(lane);
    return this.#call<TicketRecord | null>("popNext", (s) => s.popNext(this.#now(), this.#retentionMs, category, lane));
  }

  async peekNext(category: Category | null = null, lane: Lane = "auto"): Promise<TicketRecord | null> {
    assertLane(lane);
    return this.#call<TicketRecord | null>("peekNext", (s) => s.peekNext(this.#now(), category, lane));
  }

  async claimNext(request: ClaimRequest): Promise<ClaimedTicket | null> {
    assertClaim(request);
    return this.#call<ClaimedTicket | null>("claimNext", (s) => s.claimNext(request, this.#now()));
  }

  ackLease(id: string, leaseId: string): Promise<LeaseResult> {
    return this.#call<LeaseResult>("ackLease", (s) => s.ackLease(id, leaseId, this.#now(), this.#retentionMs));
  }

  releaseLease(id: string, leaseId: string): Promise<LeaseResult> {
    return this.#call<LeaseResult>("releaseLease", (s) => s.releaseLease(id, leaseId, this.#now()));
  }

  async list(request: ListRequest): Promise<ListPage> {
    assertList(request);
    return this.#call<ListPage>("list", (s) => s.list(request, this.#now()));
  }

  queueStatus(): Promise<QueueStatus> {
    return this.#call<QueueStatus>("queueStatus", (s) => s.queueStatus(this.#now()));
  }

  async drain(limit: number, lane: Lane | null = null): Promise<DrainPage> {
    assertDrainLimit(limit);
    if (lane !== null) assertLane(lane);
    return this.#call<DrainPage>("drain", (s) => s.drain(limit, this.#now(), this.#retentionMs, lane));
  }

  ticketState(id: string): Promise<TicketState | null> {
    return this.#call<TicketState | null>("ticketState", (s) => s.ticketState(id, this.#now()));
  }

  async correctCategory(id: string, correction: CategoryCorrection): Promise<CorrectionOutcome> {
    assertCorrection(correction);
    return this.#call<CorrectionOutcome>("correctCategory", (s) => s.correctCategory(id, correction, this.#now()));
  }

  claimStalePending(sweep: StaleSweep): Promise<StaleClaim> {
    return this.#call("claimStalePending", (s) => s.claimStalePending(sweep, this.#now(), this.#retentionMs));
  }

  countStalePending(olderThanMs: number): Promise<number> {
    return this.#call("countStalePending", (s) => s.countStalePending(olderThanMs, this.#now()));
  }

  claimWebhook(id: string): Promise<boolean> {
    return this.#call("claimWebhook", (s) => s.claimWebhook(id, this.#now(), this.#retentionMs));
  }

  counts(): Promise<StoreCounts> {
    return this.#call("counts", (s) => s.counts(this.#now()));
  }

  async incrementCounter(name: string, by = 1): Promise<void> {
    await this.#call("incrementCounter", (s) => s.incrementCounter(name, by));
  }

  counters(): Promise<Record<string, number>> {
    return this.#call("counters", (s) => s.counters());
  }

  async putNote(name: string, value: string): Promise<void> {
    await this.#call("putNote", (s) => s.putNote(name, value));
  }

  note(name: string): Promise<string | null> {
    return this.#call("note", (s) => s.note(name));
  }

  async ping(): Promise<void> {
    await this.#call("ping", (s) => s.ping());
  }

  /**
   * A fresh stub per call: Cloudflare advises replacing a stub after it has thrown,
   * and getByName is a cheap local operation.
   */
  #call<T>(
    operation: string,
    rpc: (stub: DurableObjectStub<EmbeddedStore>) => PromiseLike<T>,
  ): Promise<T> {
    return withDeadline(operation, this.#timeoutMs, async () =>
      rpc(this.#namespace.getByName(this.#name)),
    );
  }
}
