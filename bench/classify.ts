// `npm run bench -- --only classify` (issue 9 §5): the population job at 100,000 customers, and DynamoDB reads and
// writes per ingested file of 100 customers on the local stack, for two population sizes.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Customer } from '../domain/customers/customer-master.ts';
import type { FileRef, ObjectStore } from '../domain/use-cases/ports.ts';
import type { DynamoCounts } from '../functions/adapters/dynamo-counter.ts';

export interface JobResult {
  customers: number;
  firstSeconds: number;
  firstWritten: number;
  steadySeconds: number;
  steadyWritten: number;
  steadyMoved: number;
  maxRssMB: number;
}

/** The domain job (classifyPopulation) over `n` synthetic customers in memory, in a child process of its own (peak RSS). */
export function benchClassifyJob(jobJs: string, n: number, v8Flags: readonly string[]): JobResult {
  const stdout = execFileSync(process.execPath, [...v8Flags, '--max-old-space-size=3072', jobJs, String(n), '100'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as JobResult;
}

export interface FileCounts {
  population: number;
  /** Everything one ingested file asked of DynamoDB. */
  total: DynamoCounts;
  /** Of which: the classification step (features of the file's customers and the marker). */
  classify: DynamoCounts;
  /** Of which: ingest's meter directory (every customer's master data, one paged Query): not part of classification. */
  directory: DynamoCounts;
  /** What the old classification read on top per file (every customer's master data and every stored segment). */
  oldPopulationReads: DynamoCounts;
}

const LONG = 'customer_id,meter_id,interval_start,interval_minutes,kwh,kvarh,quality';

function master(id: string): Customer {
  return {
    customerId: id, name: `Bench ${id}`, email: `${id.toLowerCase()}@example.com`, locale: 'en', region: ['north', 'south'][Number(id.slice(1)) % 2]!,
    tariffId: 'cn-large-industry-2026', contractKva: 1000, contractKw: 800, accountManagerEmail: 'am@example.com', pfStandard: 0.9, meterIds: [id], basicChargeMode: null,
  } as Customer;
}

/** A long CSV of `ids` × 14 days × 24 hours. */
function readings(ids: readonly string[]): string {
  const rows = [LONG];
  ids.forEach((id, c) => {
    for (let d = 1; d <= 14; d++) {
      for (let h = 0; h < 24; h++) {
        const v = (1 + (c % 9)) * (h >= 8 && h < 18 ? 100 + ((d + h) % 7) : 20);
        rows.push(`${id},${id},2026-10-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00+08:00,60,${v},,A`);
      }
    }
  });
  return rows.join('\n') + '\n';
}

const add = (a: DynamoCounts, b: DynamoCounts): DynamoCounts => {
  const calls = { ...a.calls };
  for (const [k, v] of Object.entries(b.calls)) calls[k] = (calls[k] ?? 0) + v;
  return { calls, itemsRead: a.itemsRead + b.itemsRead, itemsWritten: a.itemsWritten + b.itemsWritten };
};
const zero = (): DynamoCounts => ({ calls: {}, itemsRead: 0, itemsWritten: 0 });

/**
 * On DynamoDB Local (the table created from the synthesized template): for each population size, the customers are
 * upserted, then one file of `perFile` new customers' readings goes through the real ingest use case with the real
 * DynamoDB adapters, every call counted by a middleware on the document client (functions/adapters/dynamo-counter.ts).
 */
export async function benchClassifyDynamo(sizes: readonly number[], perFile: number): Promise<FileCounts[]> {
  const { synthTemplates } = await import('../local/app.ts');
  const { startLocalAws } = await import('../local/servers.ts');
  const { provisionFromTemplates } = await import('../local/provision.ts');
  const { makeClients } = await import('../functions/commons/clients.ts');
  const { loadConfig } = await import('../functions/commons/config.ts');
  const { ingestPorts, stores } = await import('../functions/adapters/ports.ts');
  const { countDynamoCalls } = await import('../functions/adapters/dynamo-counter.ts');
  const { ingestFile } = await import('../domain/use-cases/ingest-file.ts');
  const { templates, outdir } = synthTemplates('sources');
  const aws = await startLocalAws({});
  try {
    const resources = await provisionFromTemplates(templates, aws, { log: () => undefined });
    const table = resources.find('UsageTable', { type: 'AWS::DynamoDB::Table' }).name;
    Object.assign(process.env, aws.env(), { TABLE_NAME: table });
    const clients = makeClients();
    const counter = countDynamoCalls(clients.doc);
    const config = loadConfig();
    const s = stores(clients, table);
    const base = ingestPorts(clients, config);
    const bodies = new Map<string, Buffer>();
    const objects: ObjectStore = {
      read: async (file: FileRef) => ({ body: (async function* () { yield bodies.get(file.key)!; })(), lastModified: new Date('2026-11-01T00:00:00Z') }),
      readRange: async () => {
        throw new Error('files here are small: never fanned out');
      },
      stage: async () => undefined,
      readStaged: async () => {
        throw new Error('nothing is staged');
      },
      writeReport: async () => undefined,
    };
    let phases: { classify: DynamoCounts; directory: DynamoCounts; rest: DynamoCounts } = { classify: zero(), directory: zero(), rest: zero() };
    const during = async <T>(phase: 'classify' | 'directory', run: () => Promise<T>): Promise<T> => {
      phases.rest = add(phases.rest, counter.take());
      const r = await run();
      phases[phase] = add(phases[phase], counter.take());
      return r;
    };
    const ingest = ingestFile(
      {
        ...base,
        objects,
        customers: { all: () => during('directory', () => base.customers.all()), upsert: (c) => base.customers.upsert(c) },
        classify: (touched) => during('classify', () => base.classify(touched)),
      },
      config.domain,
    );
    const out: FileCounts[] = [];
    let seeded = 0;
    // The marker exists in a running system (any earlier ingest made it); made here so every file reads it the same.
    await s.population.changed(undefined, new Date());
    for (const [i, n] of sizes.entries()) {
      const ids = Array.from({ length: n - seeded }, (_, k) => `C${String(seeded + k).padStart(6, '0')}`);
      for (let k = 0; k < ids.length; k += 1000) await s.customers.upsert(ids.slice(k, k + 1000).map(master));
      seeded = n;
      // The file's customers: the same number each time, with no days yet (as a new day's file for them would be).
      const fileIds = Array.from({ length: perFile }, (_, k) => `C${String(i * perFile + k).padStart(6, '0')}`);
      const key = `readings/bench-${n}.csv`;
      bodies.set(key, Buffer.from(readings(fileIds)));
      counter.take();
      phases = { classify: zero(), directory: zero(), rest: zero() };
      const r = await ingest({ bucket: 'bench', key, etag: `bench-${n}` });
      if (r.outcome !== 'processed' || r.file.status !== 'accepted') throw new Error(`bench file ${key}: ${JSON.stringify(r)}`);
      phases.rest = add(phases.rest, counter.take());
      // The old classification also listed every customer and every stored segment on each file.
      await s.customers.all();
      await s.segments.all();
      const oldPopulationReads = counter.take();
      out.push({ population: n, total: add(add(phases.rest, phases.classify), phases.directory), classify: phases.classify, directory: phases.directory, oldPopulationReads });
    }
    return out;
  } finally {
    await aws.stop();
    rmSync(outdir, { recursive: true, force: true });
  }
}

export function formatCounts(c: DynamoCounts): string {
  const calls = Object.entries(c.calls).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k} ${v}`).join(', ');
  return `${c.itemsRead.toLocaleString('en')} items read, ${c.itemsWritten.toLocaleString('en')} written (${calls || 'no calls'})`;
}

export const jobEntry = (root: string) => join(root, 'bench', 'classify-job.ts');
