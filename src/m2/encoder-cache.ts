/**
 * One M2 encoder per isolate, created on first use rather than at module
 * scope (Workers give start-up about a second; a session takes longer). The
 * cache remembers why the model is absent or unusable so /health can say so,
 * and waits `retryAfterMs` before trying again instead of re-reading a 67 MB
 * object for every ticket.
 */
import { type Encoder, type EncoderOptions, createEncoder } from "./encoder.ts";
import type { ModelLoad } from "./model-source.ts";

export type EncoderStatus =
  | { state: "idle" }
  | { state: "loading" }
  | { state: "ready"; source: string; loadMs: number }
  /** No model to load: the caller falls back to M1. */
  | { state: "absent"; reason: string; at: number }
  /** A model was there but could not be read or run. */
  | { state: "failed"; reason: string; at: number };

export interface EncoderCacheOptions extends EncoderOptions {
  /** How long an absent or failed model is believed before the next attempt. Default 5 minutes. */
  retryAfterMs?: number;
  now?: () => number;
}

export interface EncoderCache {
  /** The encoder, or null while the model is absent or broken; never rejects. */
  get(load: () => Promise<ModelLoad>): Promise<Encoder | null>;
  status(): EncoderStatus;
}

const DEFAULT_RETRY_AFTER_MS = 5 * 60_000;

export function createEncoderCache(options: EncoderCacheOptions = {}): EncoderCache {
  const { retryAfterMs = DEFAULT_RETRY_AFTER_MS, now = Date.now, ...encoderOptions } = options;
  let status: EncoderStatus = { state: "idle" };
  let encoder: Encoder | null = null;
  let pending: Promise<Encoder | null> | null = null;

  async function attempt(load: () => Promise<ModelLoad>): Promise<Encoder | null> {
    const started = now();
    let loaded: ModelLoad;
    try {
      loaded = await load();
    } catch (error) {
      loaded = { bytes: null, reason: `model load threw: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (loaded.bytes === null) {
      status = { state: "absent", reason: loaded.reason, at: now() };
      return null;
    }
    try {
      encoder = await createEncoder(loaded.bytes, { ...encoderOptions, externalData: loaded.externalData });
      status = { state: "ready", source: loaded.source, loadMs: now() - started };
      return encoder;
    } catch (error) {
      status = { state: "failed", reason: error instanceof Error ? error.message : String(error), at: now() };
      return null;
    }
  }

  return {
    get(load) {
      if (encoder) return Promise.resolve(encoder);
      if (pending) return pending;
      if ((status.state === "absent" || status.state === "failed") && now() - status.at < retryAfterMs) {
        return Promise.resolve(null);
      }
      status = { state: "loading" };
      pending = attempt(load).finally(() => {
        pending = null;
      });
      return pending;
    },
    status: () => status,
  };
}
