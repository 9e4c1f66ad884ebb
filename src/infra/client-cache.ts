import type { Client } from '../core/clients/client';
import type { ClientRepository } from '../core/ports';
import type { Clock } from '../core/time/clock';

/** An entry is read again in the background once this share of its time has passed. */
const REFRESH_AT = 0.8;

interface Entry {
  client: Client;
  /** Read at; served until `until`, read again in the background from `refreshFrom`. */
  refreshFrom: number;
  until: number;
  /** The background read under way, if any: a request that finds the entry expired waits for it. */
  reading?: Promise<Client | undefined>;
}

/**
 * Every notification starts with a client lookup; this keeps each client for
 * `ttlMs`, so the hot path reads the registry once per client every few
 * seconds instead of once per request. Changes made through this instance
 * clear the entry at once; another instance sees them within `ttlMs`.
 *
 * The read is made ahead, off the request path: the first request after
 * four fifths of `ttlMs` starts one read in the background and is answered
 * from the entry, as is everyone until the read is back. Only a client
 * unseen for longer than `ttlMs` makes its request wait, and requests that
 * arrive together then share one read: no client's requests pay a round
 * trip to the database every `ttlMs`, and none stampede it.
 */
export function cachedClients(repo: ClientRepository, clock: Clock, ttlMs: number): ClientRepository {
  if (ttlMs <= 0) return repo;
  const cache = new Map<string, Entry>();
  /** Reads of clients not in the cache, shared by the requests that wait for them. */
  const misses = new Map<string, Promise<Client | undefined>>();
  let generation = 0;

  const read = (id: string): Promise<Client | undefined> => {
    const startedIn = generation;
    const at = clock.now().getTime();
    return repo.find(id).then((client) => {
      // A change made through this instance while the read ran wins: the read may predate it.
      if (startedIn !== generation) return client;
      // Unknown ids are not remembered: registering a client takes effect at once everywhere.
      if (client) cache.set(id, { client, refreshFrom: at + ttlMs * REFRESH_AT, until: at + ttlMs });
      else cache.delete(id);
      return client;
    });
  };

  const forget = <T>(id: string, result: Promise<T>) => {
    generation++;
    cache.delete(id);
    return result.finally(() => {
      generation++;
      cache.delete(id);
    });
  };

  return {
    async find(id) {
      const now = clock.now().getTime();
      const hit = cache.get(id);
      if (hit && now < hit.until) {
        if (now >= hit.refreshFrom && !hit.reading) {
          const reading = read(id);
          hit.reading = reading;
          // A failed read leaves the entry as it was, until it expires.
          reading.then(
            () => (hit.reading = undefined),
            () => (hit.reading = undefined),
          );
        }
        return hit.client;
      }
      if (hit?.reading) return hit.reading;
      let waiting = misses.get(id);
      if (!waiting) {
        waiting = read(id).finally(() => misses.delete(id));
        misses.set(id, waiting);
      }
      return waiting;
    },
    list: () => repo.list(),
    insert: (c, at, audit) => forget(c.id, repo.insert(c, at, audit)),
    update: (id, patch, at, audit) => forget(id, repo.update(id, patch, at, audit)),
    addException: (clientId, ex, audit) => forget(clientId, repo.addException(clientId, ex, audit)),
    revokeException: (clientId, exceptionId, by, at, audit) =>
      forget(clientId, repo.revokeException(clientId, exceptionId, by, at, audit)),
  };
}
