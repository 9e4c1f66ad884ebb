import { DomainError } from '../errors';
import type { Person, RegisterPort, StoredNotification } from '../ports';
import type { BirthNotification } from './birth';
import { allocateChildCode } from './code-allocation';
import type { DeathNotification } from './death';

/**
 * Applies a validated notification to the register. Throws DomainError for
 * rejections that depend on register state (contract §3); returns the child's
 * new code for a birth.
 */
export async function applyToRegister(
  register: RegisterPort,
  n: Pick<StoredNotification, 'content' | 'sandbox'>,
): Promise<string | null> {
  const content = n.content;
  return content.kind === 'birth'
    ? registerBirth(register, content, n.sandbox)
    : registerDeath(register, content, n.sandbox).then(() => null);
}

async function registerBirth(
  register: RegisterPort,
  n: BirthNotification,
  sandbox: boolean,
): Promise<string> {
  const field = 'mother.personalIdentityCode';
  const mother = visible(await register.findPerson(n.mother.personalIdentityCode), sandbox);
  if (!mother) throw personNotFound(field, 'mother');
  if (mother.deathDateLatest !== null && mother.deathDateLatest < n.child.birthDate) {
    throw new DomainError(
      'DEATH_BEFORE_BIRTH',
      "The mother's registered date of death is before the child's date of birth.",
      [
        {
          field,
          code: 'DEATH_BEFORE_BIRTH',
          message: 'the mother is registered as deceased before this birth',
        },
      ],
    );
  }
  // Allocating the code also puts the child in the register.
  return allocateChildCode(register, n.child.birthDate, n.child.sex, sandbox);
}

async function registerDeath(register: RegisterPort, n: DeathNotification, sandbox: boolean): Promise<void> {
  const field = 'deceased.personalIdentityCode';
  const person = visible(await register.findPerson(n.deceased.personalIdentityCode), sandbox);
  if (!person) throw personNotFound(field, 'deceased');
  if (person.deathDate !== null) {
    throw new DomainError(
      'ALREADY_DECEASED',
      'The person is already registered as deceased; a death is registered once.',
      [{ field, code: 'ALREADY_DECEASED', message: 'already registered as deceased' }],
    );
  }
  if (n.death.latestDate < person.birthDate) {
    throw new DomainError('DEATH_BEFORE_BIRTH', "The date of death is before the person's date of birth.", [
      { field: 'death.date', code: 'DEATH_BEFORE_BIRTH', message: "is before the person's date of birth" },
    ]);
  }
  await register.markDeceased(person.personalIdentityCode, n.death.date, n.death.latestDate);
}

/** Sandbox clients see only temporary (900–999) test persons. */
function visible(p: Person | undefined, sandbox: boolean): Person | undefined {
  return p && (!sandbox || p.temporary) ? p : undefined;
}

function personNotFound(field: string, role: string): DomainError {
  return new DomainError('PERSON_NOT_FOUND', `The ${role} is not in the population register.`, [
    { field, code: 'PERSON_NOT_FOUND', message: 'no such person in the register' },
  ]);
}
