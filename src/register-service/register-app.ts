import express, { type NextFunction, type Request, type Response } from 'express';
import { isDomainError } from '../core/errors';
import type { KeyedRegistration, Notification } from '../core/notifications/notification';
import type { Store } from '../core/ports';
import { loadPersons } from '../core/register/person-loading';
import type { DeskAnswer, RegistrationDesk } from '../core/register/registration-desk';
import { inlineValidator, schemaValidator, structuralCheck } from '../http/openapi';

/** The problem codes of this interface (openapi/register.yaml, Problem.code), by HTTP status. */
const PROBLEMS = {
  BAD_REQUEST: { status: 400, title: 'The request does not follow openapi/register.yaml' },
  KEY_REUSED: { status: 409, title: 'The key was first given with another notification' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'The register cannot answer now; send the same request again' },
  NOT_FOUND: { status: 404, title: 'No such resource' },
} as const;
type ProblemCode = keyof typeof PROBLEMS;

class Problem extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly errors: { field: string; message: string }[] = [],
  ) {
    super(detail);
  }
}

/** A batch as a whole: its registrations are checked one by one (each answered in its place). */
const batchSchema = inlineValidator({
  type: 'object',
  additionalProperties: false,
  required: ['registrations'],
  properties: { registrations: { type: 'array', minItems: 1, maxItems: 100 } },
});
const registrationSchema = schemaValidator('Registration', 'register');
const singleSchema = {
  birth: schemaValidator('BirthRegistration', 'register'),
  death: schemaValidator('DeathRegistration', 'register'),
};
const withdrawalSchema = schemaValidator('Withdrawal', 'register');
const KEY = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * The reference register service's HTTP interface (openapi/register.yaml):
 * registrations by key through the RegistrationDesk, test persons, health.
 */
export function createRegisterApp(deps: {
  desk: RegistrationDesk;
  store: Store;
  ready: () => Promise<boolean>;
  onError: (err: unknown) => void;
}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '2mb', type: () => true }));

  const answer = (answers: DeskAnswer[]) => {
    if (answers.some((a) => 'conflict' in a)) {
      throw new Problem('KEY_REUSED', 'a key in this request was first given with another notification');
    }
    return answers.map((a) => toWire(a as Exclude<DeskAnswer, { conflict: true }>));
  };

  // Each registration gets its own result: one the register cannot take (its key reused with another
  // notification, or not following the schema) is answered so in its place, and the others are registered.
  app.post('/v1/batches', async (req, res) => {
    check(batchSchema, req.body);
    const checked = (req.body as { registrations: unknown[] }).registrations.map((item) => ({
      item,
      errors: findings(registrationSchema, item),
    }));
    const valid = checked.filter((c) => c.errors.length === 0).map((c) => keyed(c.item as WireRegistration));
    const answers = valid.length > 0 ? await deps.desk.register(valid) : [];
    let next = 0;
    const results = checked.map(({ item, errors }) => {
      if (errors.length > 0) return invalidItem(item, errors);
      const a = answers[next++] as DeskAnswer;
      return 'conflict' in a ? conflictItem(a.key) : toWire(a);
    });
    res.json({ results });
  });

  for (const kind of ['birth', 'death'] as const) {
    app.put(`/v1/${kind}s/:key`, async (req, res) => {
      const key = req.params.key as string;
      if (!KEY.test(key))
        throw new Problem('BAD_REQUEST', 'the key is malformed', [
          { field: 'key', message: 'must match ^[A-Za-z0-9._:-]{8,128}$' },
        ]);
      check(singleSchema[kind], req.body);
      const body = req.body as WireRegistration;
      if (body.key !== undefined && body.key !== key) {
        throw new Problem('BAD_REQUEST', 'the body names another key than the path', [
          { field: 'key', message: 'differs from the path' },
        ]);
      }
      const [result] = answer(await deps.desk.register([keyed({ ...body, key })]));
      res.json(result);
    });
  }

  app.post('/v1/withdrawals', async (req, res) => {
    check(withdrawalSchema, req.body);
    const keys = (req.body as { keys: string[] }).keys;
    const answers = await deps.desk.withdraw(keys);
    res.json({ results: answers.map((a) => toWire({ ...a, replayed: true })) });
  });

  app.post('/v1/persons', async (req, res) => {
    res.json(await loadPersons(deps.store, req.body));
  });

  app.get('/healthz', async (_req, res) => {
    if (!(await deps.ready())) throw new Problem('SERVICE_UNAVAILABLE', 'the database does not answer');
    res.json({ status: 'ok' });
  });

  app.use((_req, _res, next) => next(new Problem('NOT_FOUND', 'no such path')));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const p = toProblem(err);
    if (p.code === 'SERVICE_UNAVAILABLE') deps.onError(err);
    const { status, title } = PROBLEMS[p.code];
    res
      .status(status)
      .type('application/problem+json')
      .set(p.code === 'SERVICE_UNAVAILABLE' ? { 'Retry-After': '1' } : {})
      .send(
        JSON.stringify({
          type: `/problems/${p.code}`,
          title,
          status,
          detail: p.detail,
          code: p.code,
          ...(p.errors.length ? { errors: p.errors } : {}),
        }),
      );
  });
  return app;
}

interface WireRegistration {
  key: string;
  sandbox: boolean;
  notification: Notification;
}

function keyed(r: WireRegistration): KeyedRegistration {
  return { key: r.key, sandbox: r.sandbox, content: r.notification };
}

function toWire(a: Exclude<DeskAnswer, { conflict: true }>) {
  return 'rejection' in a.answer
    ? { key: a.key, status: 'rejected', childCode: null, rejection: a.answer.rejection, replayed: a.replayed }
    : { key: a.key, status: 'registered', childCode: a.answer.childCode, replayed: a.replayed };
}

/** A batch item the register would not take, in its place: a key first given with another notification. */
function conflictItem(key: string) {
  return {
    key,
    status: 'conflict',
    problem: { code: 'KEY_REUSED', detail: 'the key was first given with another notification' },
  };
}

/** … or one that does not follow the schema: nothing of it is registered. */
function invalidItem(item: unknown, errors: { field: string; message: string }[]) {
  const key = (item as { key?: unknown } | null)?.key;
  return {
    key: typeof key === 'string' ? key : null,
    status: 'invalid',
    problem: {
      code: 'INVALID_REGISTRATION',
      detail: 'the registration does not follow openapi/register.yaml',
      errors,
    },
  };
}

/** What is wrong with `body` by the schema; none: it follows it. */
function findings(
  validator: Parameters<typeof structuralCheck>[0],
  body: unknown,
): { field: string; message: string }[] {
  if (validator()(body)) return [];
  const structural = structuralCheck(validator, body);
  return structural.length > 0
    ? structural.map((e) => ({ field: e.field, message: e.message }))
    : [{ field: '(body)', message: 'does not match the schema' }];
}

function check(validator: Parameters<typeof structuralCheck>[0], body: unknown): void {
  const errors = findings(validator, body);
  if (errors.length > 0) {
    throw new Problem('BAD_REQUEST', 'the request does not follow openapi/register.yaml', errors);
  }
}

function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  const e = err as { type?: string; status?: number };
  if (e.type === 'entity.parse.failed' || e.type === 'entity.too.large')
    return new Problem('BAD_REQUEST', 'the body is not JSON, or too large');
  if (isDomainError(err) && err.code === 'VALIDATION_FAILED') {
    return new Problem(
      'BAD_REQUEST',
      'some persons are malformed',
      err.fieldErrors.map((f) => ({ field: f.field, message: f.message })),
    );
  }
  return new Problem('SERVICE_UNAVAILABLE', 'the register cannot answer now');
}
