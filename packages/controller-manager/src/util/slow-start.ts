/**
 * Kubernetes' `slowStartBatch`: calls `fn` `count` times in batches of 1, 2,
 * 4, ... running each batch concurrently, and stops after the first batch in
 * which any call failed. A controller creating many pods that all fail the
 * same way (quota, admission) thus sends a handful of requests, not
 * hundreds. Resolves with how many calls succeeded and the first error seen.
 */
export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: (index: number) => Promise<void>,
): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  let index = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn(index++)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { successes, error: failed.reason };
    remaining -= batch;
  }
  return { successes };
}
