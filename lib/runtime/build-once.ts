/**
 * What a function builds on its first event and keeps for the container's life (clients, the reply-token
 * key): `build` runs once; a failed build (the key unreadable) is forgotten, so the next event retries it.
 */
export function buildOnce<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
}
