import { randomUUID } from 'node:crypto';
import { DomainError, validationFailed } from '../errors';
import type { AuditLog, ClientRepository } from '../ports';
import type { Clock } from '../time/clock';
import { helsinkiDate } from '../time/helsinki';
import type { ChannelException, Client } from './client';
import { validateClientInput, validateClientPatch, validateExceptionInput } from './client-changes';
import type { AuditEntry } from './records';

/**
 * The migration registry's records as operators change them: clients and
 * their SOAP exceptions. Every change is validated here and written together
 * with its audit entry (who, when, what).
 */
export class ClientAdmin {
  constructor(private readonly deps: { clients: ClientRepository; clock: Clock; audit?: AuditLog }) {}

  async create(input: unknown, operator = 'system'): Promise<Client> {
    const record = validateClientInput(input);
    const at = this.deps.clock.now();
    const { id, ...fields } = record;
    const audit: AuditEntry = { at, operator, action: 'client.create', clientId: id, details: fields };
    if (!(await this.deps.clients.insert(record, at, audit))) {
      throw new DomainError('CLIENT_ALREADY_EXISTS', {}, [
        { field: 'id', code: 'CLIENT_ALREADY_EXISTS', message: 'already registered' },
      ]);
    }
    return this.get(record.id);
  }

  async update(id: string, input: unknown, operator: string): Promise<Client> {
    const patch = validateClientPatch(input);
    const at = this.deps.clock.now();
    const audit: AuditEntry = {
      at,
      operator,
      action: 'client.update',
      clientId: id,
      details: { changes: patch },
    };
    if (!(await this.deps.clients.update(id, patch, at, audit))) throw clientNotFound();
    return this.get(id);
  }

  /** Keeps one SOAP channel open for one client until the end of a day; audited. */
  async grantException(id: string, input: unknown, operator: string): Promise<ChannelException> {
    const client = await this.get(id);
    const now = this.deps.clock.now();
    const ex = validateExceptionInput(input, helsinkiDate(now));
    if (client.kind === 'new') {
      throw validationFailed([
        {
          field: 'channel',
          code: 'INVALID_VALUE',
          message: 'SOAP was never open to a client registered as new',
        },
      ]);
    }
    const exception = { id: randomUUID(), ...ex, grantedBy: operator, grantedAt: now };
    const audit: AuditEntry = {
      at: now,
      operator,
      action: 'exception.grant',
      clientId: id,
      details: { ...ex, exceptionId: exception.id },
    };
    await this.deps.clients.addException(id, exception, audit);
    return { ...exception, revokedAt: null, revokedBy: null };
  }

  async revokeException(id: string, exceptionId: string, operator: string): Promise<ChannelException> {
    const client = await this.get(id);
    const now = this.deps.clock.now();
    const audit: AuditEntry = {
      at: now,
      operator,
      action: 'exception.revoke',
      clientId: id,
      details: { exceptionId },
    };
    const existing = client.exceptions.find((e) => e.id === exceptionId && e.revokedAt === null);
    if (!existing || !(await this.deps.clients.revokeException(id, exceptionId, operator, now, audit))) {
      throw new DomainError('EXCEPTION_NOT_FOUND');
    }
    return { ...existing, revokedAt: now, revokedBy: operator };
  }

  list(): Promise<Client[]> {
    return this.deps.clients.list();
  }

  async get(id: string): Promise<Client> {
    const client = await this.deps.clients.find(id);
    if (!client) throw clientNotFound();
    return client;
  }

  /** A client's audit trail, oldest first. */
  trail(id: string): Promise<AuditEntry[]> {
    return this.deps.audit?.trail(id) ?? Promise.resolve([]);
  }
}

function clientNotFound(): DomainError {
  return new DomainError('CLIENT_NOT_FOUND');
}
