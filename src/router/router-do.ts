import { DurableObject } from "cloudflare:workers";
import { isolateM1 } from "../m1/isolate.ts";
import { ticketUrgency } from "../ml/urgency.ts";
import { assertDrainLimit, DRAIN_LIMIT_DEFAULT, type Drain, type QueueStatus, type TicketInput, type V1Ticket } from "../schemas/ticket.ts";
import { PriorityQueue } from "./priority-queue.ts";
import type { Env } from "../env.ts";

export interface RouterStats {
  pending: number;
  processed: number;
  modelLoaded: boolean;
  modelLoadMs: number | null;
  modelError: string | null;
}

/**
 * The /v1 router: one Durable Object holds the M1 model and the priority queue.
 * All /v1 traffic goes to one instance (ROUTER_NAME), so ordering is global and each
 * pop is atomic: a DO runs one request at a time and the queue calls never await.
 */
export class Router extends DurableObject<Env> {
  readonly #queue: PriorityQueue;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#queue = new PriorityQueue(ctx.storage.sql);
  }

  enqueue(input: TicketInput): V1Ticket {
    const { category, confidence } = isolateM1().model.predict(input.subject, input.body);
    const ticket: V1Ticket = {
      ticket_id: crypto.randomUUID(),
      subject: input.subject,
      body: input.body,
      category,
      confidence,
      urgency_level: ticketUrgency(input.subject, input.body).urgency_level,
      queued_at: new Date().toISOString(),
    };
    this.#queue.push(ticket);
    return ticket;
  }

  next(): V1Ticket | null {
    return this.#queue.pop();
  }

  peek(): V1Ticket | null {
    return this.#queue.peek();
  }

  status(): QueueStatus {
    const pending = this.#queue.pending();
    const processed = this.#queue.processed();
    return { pending, processed, message: `${pending} ticket(s) waiting, ${processed} processed so far.` };
  }

  /** One page of a drain; no await inside, so the page and `remaining` describe one instant. */
  drain(limit: number = DRAIN_LIMIT_DEFAULT): Drain {
    assertDrainLimit(limit);
    const tickets = this.#queue.drain(limit);
    return { drained: tickets.length, remaining: this.#queue.pending(), tickets };
  }

  /** For /health: loading the model here proves it loads, and a failure is reported, not thrown. */
  stats(): RouterStats {
    let model: Pick<RouterStats, "modelLoaded" | "modelLoadMs" | "modelError">;
    try {
      model = { modelLoaded: true, modelLoadMs: isolateM1().loadMs, modelError: null };
    } catch (error) {
      model = { modelLoaded: false, modelLoadMs: null, modelError: error instanceof Error ? error.message : String(error) };
    }
    return { pending: this.#queue.pending(), processed: this.#queue.processed(), ...model };
  }
}

export const ROUTER_NAME = "global";
