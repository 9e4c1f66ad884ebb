import { DomainError } from '../errors';
import { fingerprint } from '../notifications/fingerprint';
import type { KeyedRegistration, RegisterAnswer } from '../notifications/notification';
import { applyToRegister } from '../notifications/registration';
import type { Store } from '../ports';
import type { Clock } from '../time/clock';

export type DeskAnswer =
  | { key: string; answer: RegisterAnswer; replayed: boolean }
  /** The key was first given with another notification: nothing is registered, nothing answered. */
  | { key: string; conflict: true };

/** The fingerprint a withdrawn key is logged with: whatever is sent with it later gets the withdrawal. */
const ANY_CONTENT = '*';

/** The answer a withdrawn key keeps: the notification was never registered, and never will be. */
export function withdrawnAnswer(): RegisterAnswer {
  const e = new DomainError('REGISTRATION_WITHDRAWN');
  return { rejection: { code: e.code, message: e.message, fieldErrors: [] } };
}

/**
 * The register's side of the downstream contract (openapi/register.yaml):
 * registrations by idempotency key, over the embedded register's rules. The
 * first request with a key decides its answer, in one transaction with the
 * register's writes; every later one with that key gets the same answer.
 */
export class RegistrationDesk {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  /** In order, each as if alone in that order; a key given twice in one batch is answered once. */
  async register(items: readonly KeyedRegistration[]): Promise<DeskAnswer[]> {
    const prints = items.map((i) => fingerprint(i.content));
    return this.deps.store.transaction(async (tx) => {
      const firsts = new Map<string, number>();
      items.forEach((item, i) => {
        if (!firsts.has(item.key)) firsts.set(item.key, i);
      });
      const entries = [...firsts].map(([key, i]) => ({ key, fingerprint: prints[i] as string }));
      // Taking a key locks it until commit: a concurrent request with it waits, then reads this answer.
      const taken = await tx.registrations.take(entries, this.deps.clock.now());
      const fresh = [...firsts]
        .filter(([key]) => taken.has(key))
        .map(([, i]) => items[i] as KeyedRegistration);
      const outcomes = await applyToRegister(tx.register, fresh);
      const answers = new Map<string, RegisterAnswer>(
        fresh.map((item, i) => {
          const o = outcomes[i];
          const answer: RegisterAnswer =
            o && 'rejection' in o
              ? {
                  rejection: {
                    code: o.rejection.code,
                    message: o.rejection.message,
                    fieldErrors: [...o.rejection.fieldErrors],
                  },
                }
              : { childCode: o?.childCode ?? null };
          return [item.key, answer];
        }),
      );
      await tx.registrations.record([...answers].map(([key, answer]) => ({ key, answer })));
      const earlier = await tx.registrations.find([...firsts.keys()].filter((k) => !taken.has(k)));

      return items.map((item, i): DeskAnswer => {
        const own = answers.get(item.key);
        const first = firsts.get(item.key) as number;
        if (own && prints[first] !== prints[i]) return { key: item.key, conflict: true };
        if (own) return { key: item.key, answer: own, replayed: first !== i };
        const before = earlier.get(item.key);
        const fits = before?.fingerprint === prints[i] || before?.fingerprint === ANY_CONTENT;
        if (!before?.answer || !fits) return { key: item.key, conflict: true };
        return { key: item.key, answer: before.answer, replayed: true };
      });
    });
  }

  /**
   * Closes keys for good: a key never answered gets the REGISTRATION_WITHDRAWN
   * refusal as its answer from now on, whatever is sent with it later; a key
   * answered already keeps that answer, which is returned. Either way what is
   * returned is the key's final answer.
   */
  async withdraw(keys: readonly string[]): Promise<{ key: string; answer: RegisterAnswer }[]> {
    const unique = [...new Set(keys)];
    return this.deps.store.transaction(async (tx) => {
      const taken = await tx.registrations.take(
        unique.map((key) => ({ key, fingerprint: ANY_CONTENT })),
        this.deps.clock.now(),
      );
      const withdrawn = [...taken].map((key) => ({ key, answer: withdrawnAnswer() }));
      await tx.registrations.record(withdrawn);
      const earlier = await tx.registrations.find(unique.filter((k) => !taken.has(k)));
      return keys.map((key) => {
        const answer = taken.has(key) ? withdrawnAnswer() : earlier.get(key)?.answer;
        if (!answer) throw new Error('a key taken elsewhere has no answer');
        return { key, answer };
      });
    });
  }
}
