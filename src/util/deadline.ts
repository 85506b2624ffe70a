/**
 * Settles no later than `timeoutMs` even if `work` hangs, so a dead dependency cannot
 * hold a request past its budget. Work still running afterwards is abandoned, but stays
 * observed: Promise.race subscribed to it, so a rejection that arrives after the deadline is
 * handled rather than reported as an unhandled rejection (src/util/deadline.test.ts).
 */
export async function settleWithin<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
