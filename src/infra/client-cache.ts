import type { Client } from '../core/clients/client';
import type { ClientRepository } from '../core/ports';
import type { Clock } from '../core/time/clock';

/**
 * Every notification starts with a client lookup; this keeps each client for
 * `ttlMs`, so the hot path reads the registry once per client every few
 * seconds instead of once per request. Changes made through this instance
 * clear the entry at once; another instance sees them within `ttlMs`.
 */
export function cachedClients(repo: ClientRepository, clock: Clock, ttlMs: number): ClientRepository {
  if (ttlMs <= 0) return repo;
  const cache = new Map<string, { client: Client | undefined; until: number }>();
  const forget = <T>(id: string, result: Promise<T>) => {
    cache.delete(id);
    return result.finally(() => cache.delete(id));
  };
  return {
    async find(id) {
      const now = clock.now().getTime();
      const hit = cache.get(id);
      if (hit && hit.until > now) return hit.client;
      const client = await repo.find(id);
      // Unknown ids are not remembered: registering a client takes effect at once everywhere.
      if (client) cache.set(id, { client, until: now + ttlMs });
      return client;
    },
    list: () => repo.list(),
    insert: (c, at, audit) => forget(c.id, repo.insert(c, at, audit)),
    update: (id, patch, at, audit) => forget(id, repo.update(id, patch, at, audit)),
    addException: (clientId, ex, audit) => forget(clientId, repo.addException(clientId, ex, audit)),
    revokeException: (clientId, exceptionId, by, at, audit) =>
      forget(clientId, repo.revokeException(clientId, exceptionId, by, at, audit)),
  };
}
