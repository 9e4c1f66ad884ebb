import type { DomainError } from '../../core/errors';
import type { StoredNotification } from '../../core/notifications/notification';
import { SOAP_ENV_NS } from './envelope';
import { faultString, SOAP_FAULTS } from './fault-table';
import { type Operation, soapPath, TILA, TYYPPI } from './fields';

export const xmlEscape = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );

/** An element tree as nested [name, content] pairs, rendered with one namespace prefix. */
type Content = string | [string, Content][];
const el = (name: string, content: Content | null | undefined): [string, Content][] =>
  content === null || content === undefined ? [] : [[name, content]];

function render(prefix: string, items: [string, Content][]): string {
  return items
    .map(([name, content]) =>
      typeof content === 'string'
        ? `<${prefix}:${name}>${xmlEscape(content)}</${prefix}:${name}>`
        : `<${prefix}:${name}>${render(prefix, content)}</${prefix}:${name}>`,
    )
    .join('');
}

export interface EnvelopeParts {
  namespace: string;
  /** The request's header content and the declarations it needs, echoed unchanged. */
  headerXml: string;
  headerNamespaces: Record<string, string>;
}

function envelope(parts: EnvelopeParts, body: string): string {
  const decls = Object.entries(parts.headerNamespaces)
    .filter(([p, uri]) => !(p === 'soap' && uri === SOAP_ENV_NS))
    .map(([p, uri]) => ` xmlns${p ? `:${p}` : ''}="${xmlEscape(uri)}"`)
    .join('');
  const header = parts.headerXml ? `<soap:Header${decls}>${parts.headerXml}</soap:Header>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="${SOAP_ENV_NS}">${header}<soap:Body>${body}</soap:Body></soap:Envelope>`;
}

const OPERATION_OF = { birth: 'SyntymaIlmoitus', death: 'KuolemaIlmoitus' } as const satisfies Record<
  StoredNotification['kind'],
  Operation
>;

/** The response to a birth or death notification, or to a status query. */
export function responseEnvelope(parts: EnvelopeParts, op: Operation, n: StoredNotification): string {
  const ns = `xmlns:ns="${xmlEscape(parts.namespace)}"`;
  let items: [string, Content][];
  if (op === 'IlmoituksenTila') {
    items = [
      ['IlmoitusTunnus', n.notificationId],
      ['Tyyppi', TYYPPI[n.kind]],
      ['Tila', TILA[n.status]],
      ['Kanava', n.channel],
      ['VastaanotettuAika', n.receivedAt.toISOString()],
      ...el('RekisteroityAika', n.registeredAt?.toISOString()),
      ...el('Lapsi', n.childCode ? [['Henkilotunnus', n.childCode]] : null),
      ...el(
        'Hylkays',
        n.rejection
          ? [
              ['Koodi', n.rejection.code],
              ['Viesti', n.rejection.message],
              ...el(
                'Virheet',
                // Element paths of the notification's own operation, not of IlmoituksenTila.
                n.rejection.fieldErrors.length > 0
                  ? virheet(OPERATION_OF[n.kind], n.rejection.fieldErrors)
                  : null,
              ),
            ]
          : null,
      ),
    ];
  } else {
    items = [
      ['IlmoitusTunnus', n.notificationId],
      ['Tila', TILA[n.status]],
      ...el('Lapsi', n.childCode ? [['Henkilotunnus', n.childCode]] : null),
      ['Aikaleima', (n.registeredAt ?? n.receivedAt).toISOString()],
    ];
  }
  const body = `<ns:${op}Response ${ns}>${render('ns', items)}</ns:${op}Response>`;
  return envelope(parts, body);
}

function virheet(
  op: Operation | undefined,
  errors: readonly DomainError['fieldErrors'][number][],
): [string, Content][] {
  return errors.map((e) => [
    'Virhe',
    [
      ['Kentta', op ? soapPath(op, e.field) : e.field],
      ['Koodi', e.code],
      ['Viesti', e.message],
    ],
  ]);
}

/**
 * A SOAP 1.1 Fault: `soap:Client.<CODE>` or `soap:Server.<CODE>`, the message
 * as faultstring, and a detail listing each field error by element path, with
 * the correlation id that also appears in the log.
 */
export function faultEnvelope(
  parts: EnvelopeParts,
  err: DomainError,
  correlationId: string,
  op: Operation | undefined,
): string {
  const fault = SOAP_FAULTS[err.code].faultClass;
  const detail: [string, Content][] = [
    ['Koodi', err.code],
    ['Korrelaatiotunnus', correlationId],
    ...Object.entries(err.details).map(([k, v]): [string, Content] => [
      k === 'cutoff' ? 'Katkaisuhetki' : k === 'successor' ? 'Seuraaja' : k,
      v,
    ]),
    ...el('Virheet', err.fieldErrors.length > 0 ? virheet(op, err.fieldErrors) : null),
  ].filter(([name]) => name !== 'channel') as [string, Content][];
  const body =
    `<soap:Fault><faultcode>soap:${fault}.${err.code}</faultcode><faultstring>${xmlEscape(faultString(err))}</faultstring>` +
    `<detail><ns:VirheTiedot xmlns:ns="${xmlEscape(parts.namespace)}">${render('ns', detail)}</ns:VirheTiedot></detail></soap:Fault>`;
  return envelope(parts, body);
}
