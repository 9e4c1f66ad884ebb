import { DomainError, type FieldError } from '../../core/errors';
import type { Operation } from '../../pipeline/codec';
import { parseEnvelope } from '../soap/envelope';
import { isOperation, type Operation as SoapOperation, soapPath, toCommand } from '../soap/fields';
import { guardXml } from '../soap/xml-guard';

const OPERATION_OF: Record<SoapOperation, Operation> = {
  SyntymaIlmoitus: 'birth',
  KuolemaIlmoitus: 'death',
  IlmoituksenTila: 'status',
};

/** A SOAP request envelope read as the REST request that does the same. */
export interface SoapAsRest {
  operation: Operation;
  /** The REST body (for a status query, `{ notificationId }`). */
  command: object;
  /** What only the XML form can have wrong, named by SOAP element path. */
  errors: FieldError[];
  /** A core field path as the SOAP element path (`mother.personalIdentityCode` → `Aiti/Henkilotunnus`). */
  fieldName: (coreField: string) => string;
  /** The X-Road client the envelope names: undefined when none, null when malformed. */
  clientId: string | null | undefined;
}

/**
 * Either SOAP interface's request envelope, screened for XML attacks and
 * parsed, as its REST request: what the translation answers
 * (POST /v1/migration/translate) and what `vtj-gateway replay` sends for a
 * folder of envelopes. Throws the coded refusal of a message that is not one.
 */
export function soapAsRest(raw: Buffer): SoapAsRest {
  const request = parseEnvelope(guardXml(raw));
  const op = request.operation;
  if (!isOperation(op)) {
    throw new DomainError('MALFORMED_REQUEST', {
      reason: 'the SOAP Body must hold SyntymaIlmoitus, KuolemaIlmoitus or IlmoituksenTila',
    });
  }
  const { command, errors } = toCommand(op, request.body);
  return {
    operation: OPERATION_OF[op],
    command,
    errors,
    fieldName: (f) => soapPath(op, f),
    clientId: request.clientId,
  };
}
