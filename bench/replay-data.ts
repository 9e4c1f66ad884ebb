import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { formatHetu } from '../src/core/hetu/hetu';
import { helsinkiDate } from '../src/core/time/helsinki';
import { BIRTH_DAYS, birthNotifications, motherCodes } from './bodies';

/**
 * The backlog the replay benchmark sends: births and deaths interleaved, as
 * a wellbeing area's systems would have queued them during an outage. Three
 * births to two deaths (`births` of every five), each death of a person of
 * its own (loaded into the register first), each birth of one of the
 * mothers, the births spread over BIRTH_DAYS days so that no day's code
 * series runs short.
 */
const DAY_MS = 86_400_000;
const FIRST_DECEASED_BIRTH = Date.UTC(1930, 0, 1);
const DECEASED_DAYS = 7305; // 1930–1949

export interface Backlog {
  mothers: string[];
  /** Persons whose deaths the backlog reports, one each. */
  deceased: string[];
  births: number;
  deaths: number;
}

export function backlogShape(total: number): { births: number; deaths: number } {
  const deaths = Math.floor(total / 5) * 2 + Math.max(0, (total % 5) - 3);
  return { births: total - deaths, deaths };
}

/** Persons born 1930–1949, one code per day before the next individual number is used. */
export function deceasedCodes(count: number): string[] {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    const date = new Date(FIRST_DECEASED_BIRTH + (i % DECEASED_DAYS) * DAY_MS).toISOString().slice(0, 10);
    const number = 2 + Math.floor(i / DECEASED_DAYS);
    if (number > 899) throw new RangeError('too many deceased persons requested');
    codes.push(formatHetu(date, '-', number));
  }
  return codes;
}

/**
 * Writes `total` batch items as NDJSON to `file` (`{"type", "notification"}`
 * per line); `tag` makes the notification ids its own.
 */
export async function writeBacklog(file: string, total: number, now: Date, tag: string): Promise<Backlog> {
  const { births, deaths } = backlogShape(total);
  const mothers = motherCodes();
  const deceased = deceasedCodes(deaths);
  const nextBirth = birthNotifications(mothers, now, tag);
  const deathDays = Array.from({ length: BIRTH_DAYS }, (_, d) =>
    helsinkiDate(new Date(now.getTime() - (d + 1) * DAY_MS)),
  );
  const out = createWriteStream(file);
  let death = 0;
  let chunk = '';
  for (let i = 0; i < total; i++) {
    let line: string;
    if (i % 5 < 3 || death >= deaths) {
      line = JSON.stringify({ type: 'birth', notification: nextBirth() });
    } else {
      const d = death++;
      const date = deathDays[d % BIRTH_DAYS] as string;
      line = JSON.stringify({
        type: 'death',
        notification: {
          notificationId: `bench-${tag}-death-${d}`,
          deceased: { personalIdentityCode: deceased[d] },
          death: { date, dateAccuracy: 'exact', time: '13:05', municipalityCode: '091' },
          determination: { physicianId: '123456789', determinedAt: `${date}T15:00:00+02:00` },
        },
      });
    }
    chunk += `${line}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return { mothers, deceased, births, deaths };
}
