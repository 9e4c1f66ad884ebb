import type { FieldError } from '../../core/errors';

/**
 * The one table between SOAP element names and the core's (REST) field
 * names, with the value conversions of the VTJ codes. Both directions — a
 * request's elements into a core command, a core field error's path back to
 * the element path — are read from it.
 */
type Conversion = 'text' | 'integer' | 'decimal' | 'boolean' | 'sex' | 'accuracy';
interface Leaf {
  field: string;
  as: Conversion;
}
interface Group {
  field: string;
  children: Record<string, Leaf | Group>;
}
type Shape = Record<string, Leaf | Group>;

const leaf = (field: string, as: Conversion = 'text'): Leaf => ({ field, as });
const group = (field: string, children: Record<string, Leaf | Group>): Group => ({ field, children });

export const OPERATIONS = {
  SyntymaIlmoitus: {
    IlmoitusTunnus: leaf('notificationId'),
    Lapsi: group('child', {
      SyntymaAika: leaf('birthDateTime'),
      Sukupuoli: leaf('sex', 'sex'),
      Syntymapaino: leaf('birthWeightGrams', 'integer'),
      Syntymapituus: leaf('birthLengthCm', 'decimal'),
    }),
    Syntyma: group('birth', {
      SyntymaKunta: leaf('municipalityCode'),
      SyntymaPaikkaOid: leaf('facilityOid'),
      ElavanaSyntynyt: leaf('liveBorn', 'boolean'),
      Monisikio: group('multipleBirth', {
        Jarjestys: leaf('order', 'integer'),
        Lukumaara: leaf('count', 'integer'),
      }),
    }),
    Aiti: group('mother', { Henkilotunnus: leaf('personalIdentityCode') }),
  },
  KuolemaIlmoitus: {
    IlmoitusTunnus: leaf('notificationId'),
    Vainaja: group('deceased', { Henkilotunnus: leaf('personalIdentityCode') }),
    Kuolema: group('death', {
      Kuolinpaiva: leaf('date'),
      PaivanTarkkuus: leaf('dateAccuracy', 'accuracy'),
      Kuolinaika: leaf('time'),
      Kuolinkunta: leaf('municipalityCode'),
    }),
    Toteaminen: group('determination', {
      LaakarinTunnus: leaf('physicianId'),
      ToteamisAika: leaf('determinedAt'),
    }),
  },
  IlmoituksenTila: { IlmoitusTunnus: leaf('notificationId') },
} as const satisfies Record<string, Shape>;

export type Operation = keyof typeof OPERATIONS;
export const isOperation = (name: string): name is Operation => Object.hasOwn(OPERATIONS, name);

const VTJ_CODES: Record<'sex' | 'accuracy', Record<string, string>> = {
  sex: { '1': 'male', '2': 'female' },
  accuracy: { TARKKA: 'exact', ARVIO: 'estimated' },
};
const VTJ_CODE_MESSAGES = { sex: 'must be 1 (male) or 2 (female)', accuracy: 'must be TARKKA or ARVIO' };

/** A SOAP body (prefixes stripped) as the core's command, with the errors only the XML form can have. */
export function toCommand(
  op: Operation,
  body: Record<string, unknown>,
): { command: object; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const command = convert(OPERATIONS[op] as Shape, body, '', errors);
  return { command, errors };
}

function convert(shape: Shape, node: Record<string, unknown>, soapPath: string, errors: FieldError[]) {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(node)) {
    const path = soapPath ? `${soapPath}/${name}` : name;
    const spec = Object.hasOwn(shape, name) ? shape[name] : undefined; // not `constructor`, `toString`…
    if (!spec) {
      errors.push({ field: path, code: 'UNKNOWN_FIELD', message: 'is not an element of this request' });
      continue;
    }
    if (Array.isArray(v)) {
      errors.push({ field: path, code: 'INVALID_VALUE', message: 'may appear only once' });
      continue;
    }
    if ('children' in spec) {
      if (typeof v === 'object' && v !== null)
        out[spec.field] = convert(spec.children, v as Record<string, unknown>, path, errors);
      else if (v !== '')
        errors.push({ field: path, code: 'INVALID_TYPE', message: 'must contain elements, not text' });
      continue;
    }
    if (typeof v !== 'string') {
      errors.push({ field: path, code: 'INVALID_TYPE', message: 'must be text, not elements' });
      continue;
    }
    if (v === '') continue; // an empty element is a missing value: the core reports REQUIRED where it is
    const converted = convertValue(spec.as, v);
    if (converted === undefined) {
      const message =
        spec.as === 'sex' || spec.as === 'accuracy'
          ? VTJ_CODE_MESSAGES[spec.as]
          : `must be ${article(spec.as)}`;
      errors.push({
        field: path,
        code: spec.as === 'sex' || spec.as === 'accuracy' ? 'INVALID_VALUE' : 'INVALID_TYPE',
        message,
      });
      continue;
    }
    out[spec.field] = converted;
  }
  return out;
}

function convertValue(as: Conversion, v: string): unknown {
  switch (as) {
    case 'text':
      return v;
    case 'integer':
      return /^[+-]?[0-9]{1,9}$/.test(v) ? Number(v) : undefined;
    case 'decimal':
      return /^[+-]?([0-9]{1,9}(\.[0-9]*)?|\.[0-9]+)$/.test(v) ? Number(v) : undefined;
    case 'boolean':
      return v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : undefined;
    case 'sex':
    case 'accuracy':
      return VTJ_CODES[as][v];
  }
}

const article = (as: Conversion) =>
  ({ integer: 'a whole number', decimal: 'a decimal number', boolean: 'true or false' })[as as 'integer'] ??
  'text';

/** `mother.personalIdentityCode` → `Aiti/Henkilotunnus` for the operation; unknown paths are kept. */
export function soapPath(op: Operation, field: string): string {
  const names: string[] = [];
  let shape: Shape | undefined = OPERATIONS[op] as Shape;
  for (const part of field.split('.')) {
    const entry: [string, Leaf | Group] | undefined =
      shape && Object.entries(shape).find(([, s]) => s.field === part);
    if (!entry) return names.length > 0 ? `${names.join('/')}/${part}` : field;
    names.push(entry[0]);
    shape = 'children' in entry[1] ? entry[1].children : undefined;
  }
  return names.join('/');
}

/** The XML spelling of VTJ codes in responses. */
export const TILA = { registered: 'REKISTEROITY', pending: 'VASTAANOTETTU', rejected: 'HYLATTY' } as const;
export const TYYPPI = { birth: 'SYNTYMA', death: 'KUOLEMA' } as const;
