/** fauxqs on 127.0.0.1, with queue URLs that resolve everywhere and optional SQLite persistence. */
import { mkdirSync } from 'node:fs';
import { buildApp } from 'fauxqs';
import { LOCAL_REGION } from './account.ts';
import type { RunningServer } from './running-server.ts';

export async function startSqs(persistDir: string | undefined, log: (msg: string) => void): Promise<RunningServer> {
  // startFauxqs() always listens on 0.0.0.0, so build the Fastify app ourselves and listen on 127.0.0.1.
  const stores = await fauxqsStores(persistDir).catch((err: unknown) => {
    if (persistDir) throw err;
    log(`sqs: cannot configure fauxqs stores (${String(err)}); queue URLs will be http://sqs.<region>.localhost:<port>/…, so SQS clients need useQueueUrlAsEndpoint: false`);
    return undefined;
  });
  const app = buildApp({ logger: false, defaultRegion: LOCAL_REGION, ...(stores ? { stores: stores.stores } : {}) });
  if (stores) app.addHook('preClose', () => stores.close());
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${new URL(address).port}`;
  stores?.rebaseQueueUrls(url);
  return { url, stop: () => app.close() };
}

/**
 * The stores startFauxqs() would create, with two changes:
 *  - queue URLs are built from the request's Host (`http://127.0.0.1:<port>/000000000000/<name>`) instead of
 *    `http://sqs.<region>.localhost:<port>/…`, which does not resolve everywhere; so SDK clients work with the
 *    default useQueueUrlAsEndpoint too;
 *  - optional SQLite persistence, wired the way startFauxqs() wires it.
 * fauxqs only exports its package root, so the store classes are loaded from files next to its entry point
 * (checked against fauxqs 2.4).
 */
async function fauxqsStores(persistDir: string | undefined) {
  // fauxqs exports only ESM "import" (no require condition) and import.meta.resolve is not available under vitest's
  // module runner, so its entry is located in the repository's node_modules.
  const base = new URL('../../node_modules/fauxqs/dist/app.js', import.meta.url).href;
  const load = async (path: string) => (await import(new URL(path, base).href)) as Record<string, any>;
  const [{ SqsStore }, { SnsStore }, { S3Store }] = await Promise.all([
    load('./sqs/sqsStore.js'),
    load('./sns/snsStore.js'),
    load('./s3/s3Store.js'),
  ]);
  const sqsStore = new SqsStore();
  if (!('host' in sqsStore)) throw new Error('unexpected fauxqs SqsStore (no host field)');
  sqsStore.host = '';
  const snsStore = new SnsStore();
  const s3Store = new S3Store();
  let close = () => {};
  if (persistDir) {
    mkdirSync(persistDir, { recursive: true });
    const { PersistenceManager } = await load('./persistence.js');
    const persistence = new PersistenceManager(persistDir);
    persistence.load(sqsStore, snsStore, s3Store);
    sqsStore.persistence = persistence;
    snsStore.persistence = persistence;
    s3Store.persistence = persistence;
    for (const queue of sqsStore.allQueues()) queue.persistence = persistence;
    close = () => persistence.close();
  }
  return {
    stores: { sqsStore, snsStore, s3Store },
    close,
    /** Persisted queues keep the URL (port) of the run that created them; point them at this run's endpoint. */
    rebaseQueueUrls(endpoint: string) {
      const queues = sqsStore.queues as Map<string, { url: string }>;
      for (const [oldUrl, queue] of [...queues]) {
        const rebased = new URL(new URL(oldUrl).pathname, endpoint).href;
        if (rebased === oldUrl) continue;
        queue.url = rebased;
        queues.delete(oldUrl);
        queues.set(rebased, queue);
      }
    },
  };
}
