// A local "Lambda container": loads one handler module with the function's environment and invokes it for each
// event the parent sends over IPC. Its stdout/stderr (the function's logs) go where the parent points them.
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';

interface Invoke {
  id: number;
  event: unknown;
  context: Omit<Context, 'getRemainingTimeInMillis' | 'done' | 'fail' | 'succeed'> & { deadline: number };
}

const entry = process.env.KAM_LOCAL_ENTRY;
const handlerName = process.env.KAM_LOCAL_HANDLER ?? 'handler';
if (!entry || !process.send) {
  console.error('lambda-worker: KAM_LOCAL_ENTRY and an IPC channel are required');
  process.exit(2);
}
const mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
const handler = mod[handlerName] as ((event: unknown, context: Context) => Promise<unknown>) | undefined;
if (typeof handler !== 'function') {
  console.error(`lambda-worker: ${entry} does not export ${handlerName}`);
  process.exit(2);
}

process.on('message', (msg: Invoke) => {
  const { deadline, ...ctx } = msg.context;
  const context = {
    ...ctx,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  } as Context;
  // maxRSS (KiB) of this environment so far: what Lambda's REPORT line calls "Max Memory Used".
  const maxRssKiB = () => process.resourceUsage().maxRSS;
  handler(msg.event, context).then(
    (result) => process.send!({ id: msg.id, result: result ?? null, maxRssKiB: maxRssKiB() }),
    (err: unknown) => process.send!({ id: msg.id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), maxRssKiB: maxRssKiB() }),
  );
});
process.send({ ready: true });
