import { open, truncate } from 'node:fs/promises';
import { CliInputError } from '../errors';
import type { Checkpoint, Counts } from './checkpoint';
import { loadCheckpoint, noCounts, removeCheckpoint, saveCheckpoint } from './checkpoint';
import { openInput, type Unit } from './input';
import { ProgressBar } from './progress';
import { type ItemAnswer, sendItems, type Target } from './sender';

export interface ReplayOptions {
  input: string;
  /** The decoded X-Road client identifier. */
  client: string;
  url: string;
  chunk: number;
  parallel: number;
  refusedPath: string;
  checkpointPath: string;
  restart: boolean;
  retryForMs: number;
  progress: boolean;
}

export interface ReplaySummary extends Counts {
  input: string;
  url: string;
  client: string;
  /** Items sent (and local refusals), in all runs of this replay. */
  items: number;
  /** Units (lines, files) of the input, and which they are. */
  units: number;
  unit: 'line' | 'file';
  seconds: number;
  perSecond: number;
  /** Where the refused items are, when there are any. */
  refusedFile: string | undefined;
  /** The unit this run went on from (0: from the start). */
  resumedAt: number;
  /** Stopped before the end (Ctrl-C, SIGTERM): run again to go on. */
  interrupted: boolean;
}

interface Chunk {
  seq: number;
  /** Units from `from` to `to` (exclusive). */
  from: number;
  to: number;
  units: Unit[];
}

/**
 * `vtj-gateway replay`: the input's notifications through POST /v1/batches,
 * `chunk` items a request, `parallel` requests at a time. Answers are
 * counted, and refused items written to the refused file, in input order,
 * chunk by chunk, each followed by a checkpoint; a run stopped in any way
 * goes on from the last checkpoint when started again.
 */
export async function replay(o: ReplayOptions, signal: { stopped: boolean }): Promise<ReplaySummary> {
  const input = await openInput(o.input, o.client);
  let checkpoint = o.restart ? undefined : await loadCheckpoint(o.checkpointPath);
  if (checkpoint && (checkpoint.fingerprint !== input.fingerprint || checkpoint.client !== o.client)) {
    throw new CliInputError(
      `${o.checkpointPath} is of another run (${checkpoint.client !== o.client ? 'another --client' : `${o.input} has changed since`}); run with --restart to start over`,
    );
  }
  const resumedAt = checkpoint?.done ?? 0;
  const counts = checkpoint?.counts ?? noCounts();
  let refusedBytes = checkpoint?.refusedBytes ?? 0;
  // What the checkpoint counted stays; anything written after it (a run killed mid-chunk) goes.
  if (checkpoint) await truncate(o.refusedPath, refusedBytes).catch(() => {});
  const refused = await open(o.refusedPath, checkpoint ? 'a' : 'w');
  const target: Target = { url: o.url, client: encodeClient(o.client), retryForMs: o.retryForMs };
  const started = Date.now();
  const earlierMs = checkpoint?.elapsedMs ?? 0;
  const bar = new ProgressBar(input.total, resumedAt, process.stderr, o.progress);
  let answered = resumedAt;
  let done = resumedAt;
  bar.update(done, true);

  const save = async () => {
    checkpoint = {
      version: 1,
      fingerprint: input.fingerprint,
      client: o.client,
      done,
      refusedBytes,
      counts,
      elapsedMs: earlierMs + Date.now() - started,
    } satisfies Checkpoint;
    await saveCheckpoint(o.checkpointPath, checkpoint);
  };

  // Chunks are answered in any order, and counted in input order.
  const answers = new Map<number, { chunk: Chunk; results: ItemAnswer[] }>();
  let nextToCount = 0;
  const count = async () => {
    for (let a = answers.get(nextToCount); a; a = answers.get(nextToCount)) {
      answers.delete(nextToCount++);
      let text = '';
      let k = 0;
      for (const u of a.chunk.units) {
        if (u.item === undefined && !u.refusal) continue;
        const answer: ItemAnswer | { status: number; problem: { code: string }; replayed?: boolean } =
          u.refusal ?? (a.results[k++] as ItemAnswer);
        if (answer.replayed) counts.replayed++;
        if (answer.status === 201) counts.registered++;
        else if (answer.status === 202) counts.accepted++;
        else {
          const code = answer.problem?.code ?? 'INTERNAL';
          counts.refused++;
          counts.refusedByCode[code] = (counts.refusedByCode[code] ?? 0) + 1;
          text += `${JSON.stringify(refusedEntry(u, answer))}\n`;
        }
      }
      if (text) {
        await refused.write(text);
        refusedBytes += Buffer.byteLength(text);
      }
      done = a.chunk.to;
      await save();
    }
  };

  let counting: Promise<void> = Promise.resolve();
  let failure: unknown;
  const inFlight = new Set<Promise<void>>();
  const send = async (chunk: Chunk) => {
    const items = chunk.units
      .filter((u) => u.item !== undefined)
      .map((u) => u.json ?? JSON.stringify(u.item) ?? 'null');
    const results = items.length > 0 ? await sendItems(target, items) : [];
    answers.set(chunk.seq, { chunk, results });
    answered += chunk.to - chunk.from;
    bar.update(answered);
    // One counting at a time: answers are written, and the checkpoint saved, in order.
    counting = counting.then(count);
    await counting;
  };

  try {
    let seq = 0;
    let current: Chunk = { seq, from: resumedAt, to: resumedAt, units: [] };
    let items = 0;
    const dispatch = async () => {
      const chunk = current;
      current = { seq: ++seq, from: chunk.to, to: chunk.to, units: [] };
      items = 0;
      const p = send(chunk).catch((err) => {
        failure ??= err;
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      while (inFlight.size >= o.parallel && failure === undefined) await Promise.race(inFlight);
    };
    for await (const u of input.units(resumedAt)) {
      if (signal.stopped || failure !== undefined) break;
      current.units.push(u);
      current.to = u.unit + 1;
      if (u.item !== undefined) items++;
      if (items >= o.chunk) await dispatch();
    }
    if (!signal.stopped && failure === undefined && current.to > current.from) await dispatch();
    await Promise.all(inFlight);
  } finally {
    await refused.close();
  }
  if (failure !== undefined) throw failure;

  const interrupted = done < input.total;
  if (!interrupted) await removeCheckpoint(o.checkpointPath);
  bar.finish(done);
  const seconds = (earlierMs + Date.now() - started) / 1000;
  const items = counts.registered + counts.accepted + counts.refused;
  return {
    input: o.input,
    url: o.url,
    client: o.client,
    ...counts,
    items,
    units: input.total,
    unit: input.kind === 'ndjson' ? 'line' : 'file',
    seconds,
    perSecond: seconds > 0 ? items / seconds : 0,
    refusedFile: counts.refused > 0 ? o.refusedPath : undefined,
    resumedAt,
    interrupted,
  };
}

/** A refused item as the refused file holds it: the item as sent (or the line as it was) and its error. */
function refusedEntry(u: Unit, answer: { status: number; problem?: unknown }) {
  const error = { ...u.at, status: answer.status, problem: answer.problem };
  if (u.item !== undefined) {
    return typeof u.item === 'object' && u.item !== null && !Array.isArray(u.item)
      ? { ...(u.item as object), error }
      : { text: JSON.stringify(u.item), error };
  }
  return u.text !== undefined ? { text: u.text, error } : { error };
}

/** INSTANCE/CLASS/MEMBER/SUBSYSTEM, each part percent-encoded, as the X-Road-Client header takes it. */
export function encodeClient(id: string): string {
  return id
    .split('/')
    .map((p) => encodeURIComponent(p))
    .join('/');
}
