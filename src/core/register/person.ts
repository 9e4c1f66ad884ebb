import type { Sex } from '../hetu/hetu';

export interface Person {
  personalIdentityCode: string;
  birthDate: string;
  sex: Sex;
  temporary: boolean;
  /** As reported (YYYY-MM-DD, or YYYY-MM / YYYY when estimated). */
  deathDate: string | null;
  /** The last day the death date can mean; what rules compare against. */
  deathDateLatest: string | null;
}

/** Which run of individual numbers a newborn's code comes from. */
export interface CodeSeriesKey {
  birthDate: string;
  pool: 'permanent' | 'temporary';
  parity: 0 | 1;
}

/** The numbers one series runs through, per century sign: first, first + 2, …, up to last. */
export interface CodeSeriesRun {
  first: number;
  last: number;
}

/** A series position: the sign's place in the century's order, and the individual number. */
export interface CodeSeriesPosition {
  signIndex: number;
  number: number;
}

export type NewPerson = Omit<Person, 'deathDate' | 'deathDateLatest'> & {
  /** A newborn's mother; null for a person loaded by an operator. */
  motherCode: string | null;
};

export interface Death {
  personalIdentityCode: string;
  date: string;
  latestDate: string;
}

export interface PersonLoad {
  personalIdentityCode: string;
  birthDate: string;
  sex: Sex;
  temporary: boolean;
  deathDate: string | null;
}
