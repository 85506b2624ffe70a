/**
 * The dependency failures HTTP maps to 503 (and the consumer to a retry). They live in a
 * leaf module so src/http/errors.ts can recognise them without importing the store or
 * the /v2 pipeline: the HTTP layer knows "a dependency is down", never which business
 * step raised it.
 */

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

/** The ticket queue refused or did not answer a send. */
export class QueueUnavailableError extends Error {
  override readonly name = "QueueUnavailableError";
}

export function isDependencyFailure(error: unknown): boolean {
  return error instanceof StoreUnavailableError || error instanceof QueueUnavailableError;
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
