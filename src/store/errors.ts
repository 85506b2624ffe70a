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

/**
 * Settles no later than `timeoutMs` even if `work` hangs: a dead backend must not hold
 * a request past its budget. Any failure comes out as StoreUnavailableError.
 * (Work still running after the deadline is abandoned; backends bound it themselves.)
 */
export async function withDeadline<T>(
  operation: string,
  timeoutMs: number,
  work: () => Promise<T>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work(), expired]);
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    throw new StoreUnavailableError(operation, error);
  } finally {
    clearTimeout(timer);
  }
}
