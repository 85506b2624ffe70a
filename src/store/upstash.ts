import { Redis } from "@upstash/redis/cloudflare";
import { withDeadline } from "./errors.ts";
import { flatHashFields, pendingFields, recordFromFlatHash, resultFields } from "./hash-record.ts";
import { correctionState } from "./correction-state.ts";
import { redisKeys, type RedisKeys } from "./redis-keys.ts";
import {
  ACK_LEASE,
  CLAIM_NEXT,
  CLAIM_STALE,
  CORRECT_CATEGORY,
  COUNTS,
  CREATE_PENDING,
  CREATE_PENDING_ONCE,
  DELETE_TICKET,
  DRAIN,
  LIST,
  MARK_FAILED,
  PEEK_NEXT,
  POP_NEXT,
  QUEUE_STATUS,
  RELEASE_LEASE,
  RELEASE_LOCK,
  SAVE_RESULT,
  START_DELIVERY,
} from "./redis-scripts.ts";
import {
  DEFAULT_RETENTION_MS,
  DEFAULT_TIMEOUT_MS,
  TicketStatusSchema,
  URGENCY_BAND_HIGH,
  URGENCY_BAND_MEDIUM,
  type CategoryCorrection,
  type CategoryDepth,
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
  type NewTicket,
  type QueueStatus,
  type SaveOutcome,
  type StaleClaim,
  type StaleSweep,
  type StoreCounts,
  type TicketRecord,
  type TicketResult,
  type TicketStore,
} from "./types.ts";
import { CATEGORIES, type Category } from "../ml/categories.ts";
import { assertDrainLimit } from "../schemas/ticket.ts";
import { assertClaim, assertCorrection, assertLane, assertList, listPage } from "./queue-args.ts";
import { assertFiniteScore } from "./validate.ts";

export interface UpstashStoreOptions {
  url: string;
  token: string;
  /** Prepended to every key, so tenants (`t:<tenant>:`, select.ts) and tests sharing one Redis never collide. */
  prefix?: string;
  /** How long a record stays readable after it leaves the queues. */
  retentionMs?: number;
  /** Upper bound for every call, network included. */
  timeoutMs?: number;
  /**
   * The one clock for retention deadlines and delivery clocks. Redis also expires
   * hashes on its own clock (PEXPIRE), which only frees memory: reads go by this one.
   */
  now?: () => number;
}

const SAVE_OUTCOMES: readonly SaveOutcome[] = ["saved", "already_processed", "not_found"];

/** TicketStore over Upstash's Redis REST API: one HTTP round trip per method. */
export class UpstashTicketStore implements TicketStore {
  readonly kind = "upstash";
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #prefix: string;
  readonly #retentionMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(options: UpstashStoreOptions) {
    this.#retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
    this.#prefix = options.prefix ?? "";
    this.#keys = redisKeys(this.#prefix);
    const timeoutMs = this.#timeoutMs;
    this.#redis = new Redis({
      url: options.url,
      token: options.token,
      // Values stay the strings we wrote; numbers are parsed in hash-record.ts.
      automaticDeserialization: false,
      enableTelemetry: false,
      // Exactly one attempt (`retry: false` would still retry once): a retried SET NX
      // or create could report "taken" for our own first write. Callers (queue
      // retries, 503 + client retry) own retrying.
      retry: { retries: 0 },
      // A fresh signal per request, so a hung connection is cut at our budget.
      signal: () => AbortSignal.timeout(timeoutMs),
    });
  }

  createPending(ticket: NewTicket): Promise<boolean> {
    const k = this.#keys;
    const id = ticket.ticket_id;
    return this.#call("createPending", async () => {
      const created = await this.#redis.eval(
        CREATE_PENDING,
        [k.ticket(id), k.pending],
        [id, String(this.#now()), ...pendingFields(ticket)],
      );
      return Number(created) === 1;
    });
  }

  createPendingOnce(ticket: NewTicket, idempotency: IdempotentCreate): Promise<CreateOnceOutcome> {
    return this.#call("createPendingOnce", async () => {
      const now = this.#now();
      const reply = (await this.#queueScript(CREATE_PENDING_ONCE, now, [
        idempotency.key,
        String(idempotency.ttlMs),
        String(now + idempotency.ttlMs),
        idempotency.fingerprint,
        ticket.ticket_id,
        ticket.accepted_at,
        ...pendingFields(ticket),
      ])) as unknown[];
      const [outcome, fingerprint, ticket_id, accepted_at, status] = reply.map(String);
      if (outcome === "created") return { created: true };
      if (outcome === "collision") throw new Error(`ticket id collision: ${ticket.ticket_id}`);
      if (outcome !== "taken") throw new Error(`unexpected createPendingOnce reply ${JSON.stringify(reply)}`);
      return {
        created: false,
        entry: { fingerprint: fingerprint!, ticket_id: ticket_id!, accepted_at: accepted_at! },
        status: status ? TicketStatusSchema.parse(status) : null,
      };
    });
  }

  deleteTicket(id: string): Promise<boolean> {
    return this.#call("deleteTicket", async () => Number(await this.#queueScript(DELETE_TICKET, this.#now(), [id])) === 1);
  }

  getTicket(id: string): Promise<TicketRecord | null> {
    return this.#call("getTicket", async () => {
      const flat = await this.#redis.hgetall(this.#keys.ticket(id));
      return recordFromFlatHash(flat as unknown as unknown[] | null, this.#now());
    });
  }

  startDelivery(id: string): Promise<TicketRecord | null> {
    const k = this.#keys;
    return this.#call("startDelivery", async () => {
      const now = this.#now();
      const flat = await this.#redis.eval(START_DELIVERY, [k.ticket(id), k.pending], [id, String(now)]);
      return recordFromFlatHash(flat as unknown[] | null, now);
    });
  }

  acquireLock(id: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.#call("acquireLock", async () => {
      const reply = await this.#redis.set(this.#keys.lock(id), owner, { nx: true, px: ttlMs });
      return reply === "OK";
    });
  }

  releaseLock(id: string, owner: string): Promise<boolean> {
    return this.#call("releaseLock", async () => {
      const released = await this.#redis.eval(RELEASE_LOCK, [this.#keys.lock(id)], [owner]);
      return Number(released) === 1;
    });
  }

  async saveResult(id: string, result: TicketResult): Promise<SaveOutcome> {
    assertFiniteScore(result);
    const k = this.#keys;
    return this.#call("saveResult", async () => {
      const outcome = await this.#redis.eval(
        SAVE_RESULT,
        result.routing === "review"
          ? [k.ticket(id), k.pending, k.review, k.reviewCategoryQueue(result.category)]
          : [k.ticket(id), k.pending, k.processed, k.categoryQueue(result.category)],
        [id, String(this.#now()), String(result.urgency_score), ...resultFields(result)],
      );
      if (!SAVE_OUTCOMES.includes(outcome as SaveOutcome)) {
        throw new Error(`unexpected saveResult reply ${JSON.stringify(outcome)}`);
      }
      return outcome as SaveOutcome;
    });
  }

  markFailed(id: string, reason: string): Promise<boolean> {
    const k = this.#keys;
    return this.#call("markFailed", async () => {
      const marked = await this.#redis.eval(MARK_FAILED, [k.ticket(id), k.pending], [id, reason, ...this.#retention()]);
      return Number(marked) === 1;
    });
  }

  async popNext(category: Category | null = null, lane: Lane = "auto"): Promise<TicketRecord | null> {
    assertLane(lane);
    return this.#call("popNext", async () => {
      const now = this.#now();
      const flat = await this.#queueScript(POP_NEXT, now, [...this.#retention(now), category ?? "", lane]);
      return recordFromFlatHash(flat as unknown[] | null, now);
    });
  }

  async peekNext(category: Category | null = null, lane: Lane = "auto"): Promise<TicketRecord | null> {
    assertLane(lane);
    return this.#call("peekNext", async () => {
      const now = this.#now();
      const flat = await this.#queueScript(PEEK_NEXT, now, [category ?? "", lane]);
      return recordFromFlatHash(flat as unknown[] | null, now);
    });
  }

  async drain(limit: number, lane: Lane | null = null): Promise<DrainPage> {
    assertDrainLimit(limit);
    if (lane !== null) assertLane(lane);
    return this.#call("drain", async () => {
      const now = this.#now();
      const [remaining, hashes] = (await this.#queueScript(DRAIN, now, [...this.#retention(now), String(limit), lane ?? ""])) as [unknown, unknown[][]];
      return { tickets: hashes.map((flat) => this.#record(flat, now, "drain")), remaining: Number(remaining) };
    });
  }

  async claimNext(request: ClaimRequest): Promise<ClaimedTicket | null> {
    assertClaim(request);
    return this.#call("claimNext", async () => {
      const now = this.#now();
      const expires = now + request.leaseMs;
      const flat = await this.#queueScript(CLAIM_NEXT, now, [
        request.category ?? "",
        request.leaseId,
        String(expires),
        request.agent ?? "",
        request.agent === null ? "0" : "1",
        request.lane ?? "auto",
      ]);
      const record = recordFromFlatHash(flat as unknown[] | null, now);
      if (!record) return null;
      if (!record.lease) throw new Error("claimNext returned a record without its lease");
      return { record, lease: record.lease };
    });
  }

  ackLease(id: string, leaseId: string): Promise<LeaseResult> {
    return this.#call("ackLease", async () => {
      const now = this.#now();
      return this.#leaseResult(await this.#queueScript(ACK_LEASE, now, [id, leaseId, ...this.#retention(now)]), now);
    });
  }

  releaseLease(id: string, leaseId: string): Promise<LeaseResult> {
    return this.#call("releaseLease", async () => {
      const now = this.#now();
      return this.#leaseResult(await this.#queueScript(RELEASE_LEASE, now, [id, leaseId]), now);
    });
  }

  async list(request: ListRequest): Promise<ListPage> {
    assertList(request);
    return this.#call("list", async () => {
      const now = this.#now();
      const hashes = (await this.#queueScript(LIST, now, [
        request.category ?? "",
        request.state ?? "",
        String(request.limit),
        request.after ? String(request.after.score) : "",
        request.after?.id ?? "",
        request.lane ?? "auto",
      ])) as unknown[][];
      return listPage(hashes.map((flat) => this.#record(flat, now, "list")), request.limit);
    });
  }

  queueStatus(): Promise<QueueStatus> {
    return this.#call("queueStatus", async () => {
      const [pending, processed, claimed, per, review, reviewPer] = (await this.#queueScript(QUEUE_STATUS, this.#now(), [
        String(URGENCY_BAND_HIGH),
        String(URGENCY_BAND_MEDIUM),
        ...CATEGORIES,
      ])) as [unknown, unknown, unknown, unknown[][], unknown, unknown[][]];
      const depths = (rows: unknown[][]) =>
        Object.fromEntries(
          CATEGORIES.map((category, i): [Category, CategoryDepth] => {
            const [waiting, high, medium] = (rows[i] ?? []).map(Number) as [number, number, number];
            return [category, { processed: waiting, by_urgency: { high, medium, low: waiting - high - medium } }];
          }),
        ) as QueueStatus["by_category"];
      return {
        pending: Number(pending),
        processed: Number(processed),
        claimed: Number(claimed),
        by_category: depths(per),
        review: { processed: Number(review), by_category: depths(reviewPer) },
      };
    });
  }

  ticketState(id: string): Promise<TicketState | null> {
    return this.#call("ticketState", async () => {
      const now = this.#now();
      const flat = (await this.#redis.hgetall(this.#keys.ticket(id))) as unknown as unknown[] | null;
      const record = recordFromFlatHash(flat, now);
      return record ? { record, state: correctionState(record, flatHashFields(flat).has("expires_at")) } : null;
    });
  }

  async correctCategory(id: string, correction: CategoryCorrection): Promise<CorrectionOutcome> {
    assertCorrection(correction);
    return this.#call("correctCategory", async () => {
      const now = this.#now();
      const reply = (await this.#queueScript(CORRECT_CATEGORY, now, [id, correction.category, correction.leaseId ?? "", JSON.stringify(correction.reason)])) as unknown[];
      const [state, previous, flat] = reply as [string, unknown, unknown[] | undefined];
      if (state === "unknown" || state === "pending" || state === "stale") return { ok: false, reason: state };
      if ((state !== "processed" && state !== "claimed" && state !== "done" && state !== "failed") || !flat) {
        throw new Error(`unexpected correctCategory reply ${JSON.stringify(reply)}`);
      }
      const record = this.#record(flat, now, "correctCategory");
      const relabelled = state === "processed" || state === "claimed";
      return { ok: true, state, previous: previous ? String(previous) : null, relabelled, record };
    });
  }

  claimStalePending(sweep: StaleSweep): Promise<StaleClaim> {
    return this.#call("claimStalePending", async () => {
      const now = this.#now();
      const [retentionMs, expiresAt] = this.#retention(now);
      const [resend, failed] = (await this.#redis.eval(
        CLAIM_STALE,
        [this.#keys.pending],
        [
          String(now),
          String(now - sweep.olderThanMs),
          String(sweep.limit),
          String(sweep.maxResends),
          sweep.failReason,
          retentionMs,
          expiresAt,
          this.#keys.ticket(""),
        ],
      )) as [unknown[][], unknown[]];
      return {
        resend: resend.map(([ticket_id, accepted_at, resends]) => ({
          ticket_id: String(ticket_id),
          accepted_at: String(accepted_at),
          resends: Number(resends),
        })),
        failed: failed.map(String),
      };
    });
  }

  countStalePending(olderThanMs: number): Promise<number> {
    return this.#call("countStalePending", async () =>
      Number(await this.#redis.zcount(this.#keys.pending, "-inf", this.#now() - olderThanMs)),
    );
  }

  claimWebhook(id: string): Promise<boolean> {
    return this.#call("claimWebhook", async () => {
      const reply = await this.#redis.set(this.#keys.webhook(id), "1", { nx: true, px: this.#retentionMs });
      return reply === "OK";
    });
  }

  counts(): Promise<StoreCounts> {
    return this.#call("counts", async () => {
      const [pending, processed] = (await this.#queueScript(COUNTS, this.#now(), [])) as [unknown, unknown];
      return { pending: Number(pending), processed: Number(processed) };
    });
  }

  incrementCounter(name: string, by = 1): Promise<void> {
    return this.#call("incrementCounter", async () => {
      await this.#redis.hincrby(this.#keys.counters, name, by);
    });
  }

  counters(): Promise<Record<string, number>> {
    return this.#call("counters", async () => {
      const flat = await this.#redis.hgetall(this.#keys.counters);
      return Object.fromEntries([...flatHashFields(flat as unknown as unknown[] | null)].map(([k, v]) => [k, Number(v)]));
    });
  }

  putNote(name: string, value: string): Promise<void> {
    return this.#call("putNote", async () => {
      await this.#redis.hset(this.#keys.notes, { [name]: value });
    });
  }

  note(name: string): Promise<string | null> {
    return this.#call("note", async () => {
      // automaticDeserialization is off: the value comes back as the string written.
      const value = await this.#redis.hget<string>(this.#keys.notes, name);
      return value ?? null;
    });
  }

  ping(): Promise<void> {
    return this.#call("ping", async () => {
      const reply = await this.#redis.ping();
      if (reply !== "PONG") throw new Error(`unexpected PING reply ${JSON.stringify(reply)}`);
    });
  }

  /** A processed-queue script (redis-scripts.ts QUEUE_PRELUDE): ARGV = prefix, now, then `args`. */
  #queueScript(script: string, now: number, args: string[]): Promise<unknown> {
    return this.#redis.eval(script, [], [this.#prefix, String(now), ...args]);
  }

  #record(flat: unknown[], now: number, operation: string): TicketRecord {
    const record = recordFromFlatHash(flat, now);
    if (!record) throw new Error(`${operation} returned an empty hash`);
    return record;
  }

  #leaseResult(reply: unknown, now: number): LeaseResult {
    const [outcome, flat] = reply as [unknown, unknown[] | undefined];
    if (outcome === "unknown" || outcome === "stale") return { ok: false, reason: outcome };
    if (outcome !== "ok" || !flat) throw new Error(`unexpected lease reply ${JSON.stringify(reply)}`);
    return { ok: true, record: this.#record(flat, now, "lease") };
  }

  /** [retentionMs, expiresAt] as script arguments: retention starting `now`. */
  #retention(now = this.#now()): [string, string] {
    return [String(this.#retentionMs), String(now + this.#retentionMs)];
  }

  #call<T>(operation: string, work: () => Promise<T>): Promise<T> {
    return withDeadline(operation, this.#timeoutMs, work);
  }
}
