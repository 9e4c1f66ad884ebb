import { DomainError, isDomainError } from '../errors';
import { formatHetu, signsForYear } from '../hetu/hetu';
import type { RegisterPort } from '../ports';
import type { CodeSeriesKey, CodeSeriesPosition, Death, Person } from '../register/person';
import type { BirthNotification } from './birth';
import { nextPosition, seriesId, seriesKey, seriesRun, seriesStart } from './code-allocation';
import type { DeathNotification } from './death';
import type { StoredNotification } from './notification';

export type RegisterOutcome = { childCode: string | null } | { rejection: DomainError };
type Item = Pick<StoredNotification, 'content' | 'sandbox'>;
interface ChildToCode {
  index: number;
  key: CodeSeriesKey;
  sex: BirthNotification['child']['sex'];
  motherCode: string;
}

/**
 * Applies a batch of validated notifications to the register, in order, in
 * the caller's transaction. Each gets the child's new code (births), null
 * (deaths), or the rejection that the register's state calls for (contract
 * §3). The persons the batch names are locked before anything is decided, so
 * the outcome is the batch's own serial order, after every batch that held
 * them first and before every batch that waits for them. Rules are decided on
 * those persons in memory; the writes then go out as a few batch statements.
 */
export async function applyToRegister(
  register: RegisterPort,
  items: readonly Item[],
  /** Claim the children's codes unchecked (RegisterPort.claimPersons): for a batch that ends in insertLast. */
  options: { uncheckedClaims?: boolean } = {},
): Promise<RegisterOutcome[]> {
  const codes = [...new Set(items.map(({ content: c }) => personOf(c)))];
  // The series every birth may draw from are locked with the persons, in the same round trip (persons
  // first): a birth refused later leaves its series locked and unmoved, nothing more.
  const seriesKeys = sortedSeries(
    items.flatMap(({ content: c, sandbox }) =>
      c.kind === 'birth' ? [seriesKey(c.child.birthDate, c.child.sex, sandbox)] : [],
    ),
  );
  const locked = await register.lockPersonsAndSeries(
    codes,
    seriesKeys.map((key) => ({ key, initial: seriesStart(key) })),
  );
  const persons = new Map(locked.persons.map((p) => [p.personalIdentityCode, p]));
  // Positions as locked, for the first group of births; a later group (after a death) locks again.
  let positions: Map<string, CodeSeriesPosition> | undefined = new Map(
    seriesKeys.map((k, i) => [seriesId(k), locked.series[i] ?? seriesStart(k)]),
  );
  // Only a death asks for the register's children: births alone need nothing more than their mothers.
  const deceased = [...new Set(items.flatMap(({ content: c }) => (c.kind === 'death' ? [personOf(c)] : [])))];
  const latestChild =
    deceased.length > 0 ? await register.latestChildBirthDates(deceased) : new Map<string, string>();
  const outcomes: RegisterOutcome[] = new Array(items.length);
  let children: ChildToCode[] = [];
  const deaths: Death[] = [];

  // Births get their codes in groups; a birth counts for its mother only once it has one. (A second
  // group may lock a series that sorts before one the first locked: a deadlock with another batch is
  // then possible, and the store runs the transaction again. Only a mother's death after her own
  // child's birth in one batch makes a second group.)
  const assignPending = async () => {
    if (children.length === 0) return;
    await assignCodes(register, children, outcomes, positions, options.uncheckedClaims === true);
    positions = undefined;
    for (const child of children) {
      if (!('childCode' in (outcomes[child.index] ?? {}))) continue;
      const latest = latestChild.get(child.motherCode);
      if (latest === undefined || latest < child.key.birthDate)
        latestChild.set(child.motherCode, child.key.birthDate);
    }
    children = [];
  };

  for (const [index, { content, sandbox }] of items.entries()) {
    // A death after a birth of the same mother in this batch is decided once that birth has its code.
    if (content.kind === 'death' && children.some((c) => c.motherCode === personOf(content))) {
      await assignPending();
    }
    try {
      if (content.kind === 'birth') {
        checkMother(visible(persons.get(personOf(content)), sandbox), content);
        children.push({
          index,
          key: seriesKey(content.child.birthDate, content.child.sex, sandbox),
          sex: content.child.sex,
          motherCode: personOf(content),
        });
      } else {
        const dead = checkDeceased(
          visible(persons.get(personOf(content)), sandbox),
          content,
          latestChild.get(personOf(content)),
        );
        // Later notifications in the batch see this death.
        persons.set(dead.personalIdentityCode, {
          ...dead,
          deathDate: content.death.date,
          deathDateLatest: content.death.latestDate,
        });
        deaths.push({
          personalIdentityCode: dead.personalIdentityCode,
          date: content.death.date,
          latestDate: content.death.latestDate,
        });
        outcomes[index] = { childCode: null };
      }
    } catch (e) {
      if (!isDomainError(e)) throw e;
      outcomes[index] = { rejection: e };
    }
  }
  await assignPending();
  if (deaths.length > 0) await register.markDeceased(deaths);
  return outcomes;
}

/** Each series once, in the order every batch locks them (so that two batches cannot deadlock on them). */
function sortedSeries(keys: readonly CodeSeriesKey[]): CodeSeriesKey[] {
  return [...new Map(keys.map((k) => [seriesId(k), k])).values()].sort((a, b) =>
    seriesId(a) < seriesId(b) ? -1 : 1,
  );
}

function personOf(c: Item['content']): string {
  return c.kind === 'birth' ? c.mother.personalIdentityCode : c.deceased.personalIdentityCode;
}

/**
 * Takes each child's next series position in arrival order and claims the
 * code in the register; a code somebody already holds (a loaded test person)
 * is skipped for the next one (claimed unchecked, such a code fails the
 * transaction instead). The series stay locked until commit.
 */
async function assignCodes(
  register: RegisterPort,
  children: ChildToCode[],
  outcomes: RegisterOutcome[],
  lockedAlready: Map<string, CodeSeriesPosition> | undefined,
  unchecked: boolean,
) {
  const keys = sortedSeries(children.map((c) => c.key));
  const locked =
    lockedAlready && keys.every((k) => lockedAlready.has(seriesId(k)))
      ? keys.map((k) => lockedAlready.get(seriesId(k)) as CodeSeriesPosition)
      : await register.lockCodeSeries(keys.map((key) => ({ key, initial: seriesStart(key) })));
  const at = new Map<string, CodeSeriesPosition>(
    keys.map((k, i) => [seriesId(k), locked[i] ?? seriesStart(k)]),
  );

  let waiting = children;
  while (waiting.length > 0) {
    const candidates: { child: ChildToCode; code: string }[] = [];
    for (const child of waiting) {
      const id = seriesId(child.key);
      const position = nextPosition(at.get(id) ?? seriesStart(child.key), seriesRun(child.key));
      const sign = signsForYear(Number(child.key.birthDate.slice(0, 4)))[position.signIndex];
      // A used-up series stays at the last code it handed out.
      if (sign === undefined) outcomes[child.index] = { rejection: exhausted(child.key) };
      else {
        at.set(id, position);
        candidates.push({ child, code: formatHetu(child.key.birthDate, sign, position.number) });
      }
    }
    const claimed = await register.claimPersons(
      candidates.map(({ child, code }) => ({
        personalIdentityCode: code,
        birthDate: child.key.birthDate,
        sex: child.sex,
        temporary: child.key.pool === 'temporary',
        motherCode: child.motherCode,
      })),
      { unchecked },
    );
    waiting = [];
    for (const { child, code } of candidates) {
      if (claimed.has(code)) outcomes[child.index] = { childCode: code };
      else waiting.push(child);
    }
  }
  await register.saveCodeSeries(
    keys.map((key) => ({ key, position: at.get(seriesId(key)) ?? seriesStart(key) })),
  );
}

function checkMother(mother: Person | undefined, n: BirthNotification): void {
  const field = 'mother.personalIdentityCode';
  if (!mother) throw personNotFound(field, 'mother');
  if (mother.deathDateLatest !== null && mother.deathDateLatest < n.child.birthDate) {
    throw new DomainError(
      'DEATH_BEFORE_BIRTH',
      { reason: "the mother's registered date of death is before the child's date of birth" },
      [
        {
          field,
          code: 'DEATH_BEFORE_BIRTH',
          message: 'the mother is registered as deceased before this birth',
        },
      ],
    );
  }
}

function checkDeceased(
  person: Person | undefined,
  n: DeathNotification,
  latestChildBirthDate: string | undefined,
): Person {
  const field = 'deceased.personalIdentityCode';
  if (!person) throw personNotFound(field, 'deceased');
  if (person.deathDate !== null) {
    throw new DomainError('ALREADY_DECEASED', {}, [
      { field, code: 'ALREADY_DECEASED', message: 'already registered as deceased' },
    ]);
  }
  if (n.death.latestDate < person.birthDate) {
    throw new DomainError(
      'DEATH_BEFORE_BIRTH',
      { reason: "the date of death is before the person's date of birth" },
      [{ field: 'death.date', code: 'DEATH_BEFORE_BIRTH', message: "is before the person's date of birth" }],
    );
  }
  // The register would otherwise hold a birth after the mother's death, which a birth may not be (§3).
  if (latestChildBirthDate !== undefined && n.death.latestDate < latestChildBirthDate) {
    throw new DomainError(
      'DEATH_BEFORE_BIRTH',
      { reason: 'the date of death is before the registered birth of a child of this person' },
      [
        {
          field: 'death.date',
          code: 'DEATH_BEFORE_BIRTH',
          message: 'is before the registered birth of a child of this person',
        },
      ],
    );
  }
  return person;
}

/** Sandbox clients see only temporary (900–999) test persons. */
function visible(p: Person | undefined, sandbox: boolean): Person | undefined {
  return p && (!sandbox || p.temporary) ? p : undefined;
}

function personNotFound(field: string, role: string): DomainError {
  return new DomainError('PERSON_NOT_FOUND', { role }, [
    { field, code: 'PERSON_NOT_FOUND', message: 'no such person in the register' },
  ]);
}

function exhausted(key: CodeSeriesKey): DomainError {
  return new DomainError('IDENTITY_CODES_EXHAUSTED', { pool: key.pool });
}
