import { helsinkiDate } from '../time/helsinki';
import type { Channel } from './client';

export type CallOutcome = 'accepted' | 'refused' | 'retired';

/** Calls of one client on one channel on one Helsinki day, as counted since the last flush. */
export interface UsageDelta {
  clientId: string;
  channel: Channel;
  day: string;
  accepted: number;
  refused: number;
  firstSeen: Date;
  lastSeen: Date;
  lastAccepted: Date | null;
  lastRetiredRefusal: Date | null;
}

/** A client's calls on one channel over a window, for operators and for the migration status. */
export interface UsageSummary {
  clientId: string;
  channel: Channel;
  accepted: number;
  refused: number;
  firstSeen: Date;
  lastSeen: Date;
  lastAccepted: Date | null;
  lastRetiredRefusal: Date | null;
}

export interface UsageStore {
  add(deltas: readonly UsageDelta[]): Promise<void>;
  /** Per client and channel, the calls on days from `sinceDay` (YYYY-MM-DD) on; of one client when named. */
  summary(sinceDay: string, clientId?: string): Promise<UsageSummary[]>;
}

/**
 * Counts calls in memory and writes them in batches: a request never waits
 * for, or contends on, a usage row. What has not been flushed when the
 * process dies is lost — these are statistics, not notifications — and a
 * failed flush keeps its counts for the next one.
 */
export class UsageRecorder {
  private pending = new Map<string, UsageDelta>();

  constructor(private readonly store: UsageStore) {}

  record(clientId: string, channel: Channel, outcome: CallOutcome, at: Date): void {
    const day = helsinkiDate(at);
    const key = `${clientId}\n${channel}\n${day}`;
    const d = this.pending.get(key) ?? {
      clientId,
      channel,
      day,
      accepted: 0,
      refused: 0,
      firstSeen: at,
      lastSeen: at,
      lastAccepted: null,
      lastRetiredRefusal: null,
    };
    if (outcome === 'accepted') {
      d.accepted++;
      d.lastAccepted = later(d.lastAccepted, at);
    } else {
      d.refused++;
      if (outcome === 'retired') d.lastRetiredRefusal = later(d.lastRetiredRefusal, at);
    }
    if (at < d.firstSeen) d.firstSeen = at;
    if (at > d.lastSeen) d.lastSeen = at;
    this.pending.set(key, d);
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.store.add([...batch.values()]);
    } catch (err) {
      for (const [key, d] of batch) {
        const newer = this.pending.get(key);
        this.pending.set(key, newer ? merge(d, newer) : d);
      }
      throw err;
    }
  }
}

function later(a: Date | null, b: Date): Date {
  return a && a > b ? a : b;
}

function merge(a: UsageDelta, b: UsageDelta): UsageDelta {
  return {
    ...a,
    accepted: a.accepted + b.accepted,
    refused: a.refused + b.refused,
    firstSeen: a.firstSeen < b.firstSeen ? a.firstSeen : b.firstSeen,
    lastSeen: a.lastSeen > b.lastSeen ? a.lastSeen : b.lastSeen,
    lastAccepted: b.lastAccepted ? later(a.lastAccepted, b.lastAccepted) : a.lastAccepted,
    lastRetiredRefusal: b.lastRetiredRefusal
      ? later(a.lastRetiredRefusal, b.lastRetiredRefusal)
      : a.lastRetiredRefusal,
  };
}
