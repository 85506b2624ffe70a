import { Redis } from "@upstash/redis/cloudflare";
import { withDeadline } from "./errors.ts";
import { flatHashFields, pendingFields, recordFromFlatHash, resultFields } from "./hash-record.ts";
import { redisKeys, type RedisKeys } from "./redis-keys.ts";
import {
  COUNTS,
  CREATE_PENDING,
  MARK_FAILED,
  POP_NEXT,
  RELEASE_LOCK,
  SAVE_RESULT,
} from "./redis-scripts.ts";
import {
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TTL_MS,
  type NewTicket,
  type SaveOutcome,
  type StoreCounts,
  type TicketRecord,
  type TicketResult,
  type TicketStore,
} from "./types.ts";
import { assertFiniteScore } from "./validate.ts";

export interface UpstashStoreOptions {
  url: string;
  token: string;
  /** Prepended to every key, so tests (or tenants) sharing one Redis never collide. */
  prefix?: string;
  ttlMs?: number;
  /** Upper bound for every call, network included. */
  timeoutMs?: number;
  /** Clock for index deadlines; Redis itself expires the hashes. */
  now?: () => number;
}

const SAVE_OUTCOMES: readonly SaveOutcome[] = ["saved", "already_processed", "not_found"];

/** TicketStore over Upstash's Redis REST API: one HTTP round trip per method. */
export class UpstashTicketStore implements TicketStore {
  readonly kind = "upstash";
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(options: UpstashStoreOptions) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
    this.#keys = redisKeys(options.prefix ?? "");
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
        [id, String(this.#ttlMs), String(this.#now() + this.#ttlMs), ...pendingFields(ticket)],
      );
      return Number(created) === 1;
    });
  }

  deleteTicket(id: string): Promise<boolean> {
    const k = this.#keys;
    return this.#call("deleteTicket", async () => {
      const [deleted] = await this.#redis
        .multi()
        .del(k.ticket(id))
        .zrem(k.pending, id)
        .zrem(k.processed, id)
        .zrem(k.processedDeadlines, id)
        .exec();
      return Number(deleted) === 1;
    });
  }

  getTicket(id: string): Promise<TicketRecord | null> {
    return this.#call("getTicket", async () => {
      const flat = await this.#redis.hgetall(this.#keys.ticket(id));
      return recordFromFlatHash(flat as unknown as unknown[] | null);
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
        [k.ticket(id), k.pending, k.processed, k.processedDeadlines],
        [
          id,
          String(this.#ttlMs),
          String(this.#now() + this.#ttlMs),
          String(result.urgency_score),
          ...resultFields(result),
        ],
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
      const marked = await this.#redis.eval(
        MARK_FAILED,
        [k.ticket(id), k.pending],
        [id, reason, String(this.#ttlMs)],
      );
      return Number(marked) === 1;
    });
  }

  popNext(): Promise<TicketRecord | null> {
    const k = this.#keys;
    return this.#call("popNext", async () => {
      const flat = await this.#redis.eval(
        POP_NEXT,
        [k.processed, k.processedDeadlines],
        [String(this.#now()), k.ticket("")],
      );
      return recordFromFlatHash(flat as unknown[] | null);
    });
  }

  claimWebhook(id: string): Promise<boolean> {
    return this.#call("claimWebhook", async () => {
      const reply = await this.#redis.set(this.#keys.webhook(id), "1", { nx: true, px: this.#ttlMs });
      return reply === "OK";
    });
  }

  counts(): Promise<StoreCounts> {
    const k = this.#keys;
    return this.#call("counts", async () => {
      const reply = (await this.#redis.eval(
        COUNTS,
        [k.processed, k.processedDeadlines, k.pending],
        [String(this.#now())],
      )) as unknown[];
      return { pending: Number(reply[0]), processed: Number(reply[1]) };
    });
  }

  incrementCounter(name: string): Promise<void> {
    return this.#call("incrementCounter", async () => {
      await this.#redis.hincrby(this.#keys.counters, name, 1);
    });
  }

  counters(): Promise<Record<string, number>> {
    return this.#call("counters", async () => {
      const flat = await this.#redis.hgetall(this.#keys.counters);
      return Object.fromEntries([...flatHashFields(flat as unknown as unknown[] | null)].map(([k, v]) => [k, Number(v)]));
    });
  }

  ping(): Promise<void> {
    return this.#call("ping", async () => {
      const reply = await this.#redis.ping();
      if (reply !== "PONG") throw new Error(`unexpected PING reply ${JSON.stringify(reply)}`);
    });
  }

  #call<T>(operation: string, work: () => Promise<T>): Promise<T> {
    return withDeadline(operation, this.#timeoutMs, work);
  }
}
