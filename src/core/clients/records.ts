import type { Client } from './client';

/** A client's own fields, as an operator registers them. */
export type ClientRecordInput = Pick<
  Client,
  'id' | 'name' | 'organisation' | 'kind' | 'sandbox' | 'certificateFingerprints'
>;

/** One change to the migration registry: who, when, what. Written in the same statement as the change. */
export interface AuditEntry {
  at: Date;
  operator: string;
  action:
    | 'client.create'
    | 'client.update'
    | 'exception.grant'
    | 'exception.revoke'
    | 'notification.retry'
    | 'notification.withdraw';
  clientId: string;
  details: Record<string, unknown>;
}
