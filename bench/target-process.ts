import { type ChildReply, startTarget } from './launch';
import type { RunningTarget, TargetSpec } from './target';

/** Child-process entry: builds one target from argv[2] and answers the parent over IPC. */
const send = (m: ChildReply) => process.send?.(m);
const errorText = (e: unknown) => (e instanceof Error ? (e.stack ?? e.message) : String(e));

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as TargetSpec;
  let target: RunningTarget;
  try {
    target = await startTarget(spec);
  } catch (e) {
    send({ type: 'failed', error: errorText(e) });
    process.exit(1);
  }
  process.on('message', (m: { type: string }) => {
    const work =
      m.type === 'stats'
        ? target.stats().then((stats) => send({ type: 'stats', stats }))
        : target.close().then(() => {
            process.send?.({ type: 'closed' } satisfies ChildReply, () => process.disconnect());
          });
    work.catch((e) => send({ type: 'failed', error: errorText(e) }));
  });
  send({ type: 'ready', url: target.url });
}

void main();
