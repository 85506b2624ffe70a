import { StoreUnavailableError } from "../errors.ts";
import { settleWithin } from "../util/deadline.ts";

export { StoreUnavailableError };

/** settleWithin for store calls: any failure, the deadline included, is a StoreUnavailableError. */
export async function withDeadline<T>(operation: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  try {
    return await settleWithin(work(), timeoutMs);
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    throw new StoreUnavailableError(operation, error);
  }
}
