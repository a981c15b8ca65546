/**
 * `Promise.all` that waits for every promise to settle before it throws the first rejection, so no AWS
 * call is left in flight when a handler returns: in Lambda it would be frozen with the container and
 * resume in a later invocation.
 */
export async function awaitAll<T extends readonly unknown[] | []>(
  values: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = (await Promise.allSettled(values)) as PromiseSettledResult<unknown>[];
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}
