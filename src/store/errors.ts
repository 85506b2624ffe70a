import { settleWithin } from "../util/deadline.ts";

/**
 * The one error a store raises for "cannot reach / cannot trust the backend", so
 * callers map it to 503 (routes) or retry (consumer) without knowing the backend.
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  readonly operation: string;

  constructor(operation: string, cause: unknown) {
    super(`ticket store unavailable during ${operation}: ${describe(cause)}`, { cause });
    this.operation = operation;
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** settleWithin for store calls: any failure, the deadline included, is a StoreUnavailableError. */
export async function withDeadline<T>(operation: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  try {
    return await settleWithin(work(), timeoutMs);
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    throw new StoreUnavailableError(operation, error);
  }
}
