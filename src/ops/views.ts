import type { AuditRecord } from '../core/audit/audit-record';
import { CHANNELS, type ChannelException, type Client } from '../core/clients/client';
import type { ClientOverview, MigrationOverview } from '../core/clients/migration-overview';
import type { AuditEntry } from '../core/clients/records';
import type { StoredNotification } from '../core/notifications/notification';

/**
 * What operators are shown of a client, as plain JSON: the shapes of the
 * operator API (/ops) and of `vtj-gateway … --json`, so both say the same.
 */
export function clientView(migration: Pick<MigrationOverview, 'decide'>, c: Client) {
  const channels = Object.fromEntries(
    CHANNELS.map((ch) => {
      const d = migration.decide(c, ch);
      return [
        ch,
        d.allowed
          ? { allowed: true, cutoff: d.sunset?.toISOString() ?? null, successor: d.successor }
          : { allowed: false, code: d.code, cutoff: d.cutoff?.toISOString() ?? null, successor: d.successor },
      ];
    }),
  );
  return {
    id: c.id,
    name: c.name,
    organisation: c.organisation,
    kind: c.kind,
    sandbox: c.sandbox,
    certificateFingerprints: c.certificateFingerprints,
    exceptions: c.exceptions.map(exceptionView),
    channels,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

/** A client with its migration status and its calls per channel over the last 30 days. */
export function overviewView(migration: Pick<MigrationOverview, 'decide'>, o: ClientOverview) {
  return {
    ...clientView(migration, o.client),
    migration: { ...o.status, cutoffs: o.cutoffs },
    lastSoapCall: o.lastSoapCall && { channel: o.lastSoapCall.channel, at: o.lastSoapCall.at.toISOString() },
    usage: o.usage.map((u) => ({
      channel: u.channel,
      accepted30d: u.accepted,
      refused30d: u.refused,
      firstSeen: u.firstSeen.toISOString(),
      lastSeen: u.lastSeen.toISOString(),
    })),
  };
}

export function exceptionView(e: ChannelException) {
  return { ...e, grantedAt: e.grantedAt.toISOString(), revokedAt: e.revokedAt?.toISOString() ?? null };
}

export function auditView(a: AuditEntry) {
  return { at: a.at.toISOString(), operator: a.operator, action: a.action, details: a.details };
}

/**
 * A notification as operators see it in the outbox: who sent it, when, how
 * delivery goes. Never its content: no personal identity code, in clear or
 * otherwise, leaves through this view.
 */
export function outboxEntryView(n: StoredNotification) {
  return {
    clientId: n.clientId,
    notificationId: n.notificationId,
    kind: n.kind,
    channel: n.channel,
    status: n.status,
    receivedAt: n.receivedAt.toISOString(),
    attempts: n.delivery.attempts,
    nextAttemptAt: n.delivery.nextAttemptAt?.toISOString() ?? null,
    lastError: n.delivery.lastError,
    needsAttentionSince: n.delivery.attentionSince?.toISOString() ?? null,
    ...(n.rejection ? { rejectionCode: n.rejection.code } : {}),
  };
}

/**
 * One row of the notification audit trail. Persons only as keyed hashes, the
 * userId masked (and hashed): no personal identity code leaves through it.
 */
export function auditEntryView(a: AuditRecord) {
  return {
    id: a.id,
    at: a.at.toISOString(),
    channel: a.channel,
    operation: a.operation,
    clientId: a.clientId,
    clientIdentified: a.clientIdentified,
    xRoadId: a.xRoadId,
    userId: a.userId,
    userHash: a.userHash,
    notificationId: a.notificationId,
    outcome: a.outcome,
    replayed: a.replayed,
    httpStatus: a.httpStatus,
    persons: a.personHashes,
  };
}

export type ClientView = ReturnType<typeof clientView>;
export type OverviewView = ReturnType<typeof overviewView>;
export type ExceptionView = ReturnType<typeof exceptionView>;
export type AuditView = ReturnType<typeof auditView>;
export type OutboxEntryView = ReturnType<typeof outboxEntryView>;
export type AuditEntryView = ReturnType<typeof auditEntryView>;
