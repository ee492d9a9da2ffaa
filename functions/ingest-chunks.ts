import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { makeClients } from './commons/clients.ts';
import { loadConfig } from './commons/config.ts';
import { logger, metrics } from './commons/powertools.ts';
import { queueWorker } from './commons/handler.ts';
import { deadLetters, ingestPorts } from './adapters/ports.ts';
import { recordFileMetrics } from './adapters/file-metrics.ts';

const config = loadConfig();
const clients = makeClients();
const jobs = ingestPorts(clients, config, logger).fanOut;
if (!jobs) throw new Error('invalid configuration: CHUNK_QUEUE_URL is not set; IngestChunks has nothing to run');

const FanOutJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('chunk'), fanOutId: z.string().regex(/^[0-9a-f]{32}$/), index: z.number().int().min(0) }),
  z.object({ kind: z.literal('apply'), fanOutId: z.string().regex(/^[0-9a-f]{32}$/), partition: z.number().int().min(0) }),
]);

/** One SQS message = one chunk of a fanned-out file to stage, or one partition of it to apply (fan-out.ts). */
export const handler = queueWorker(
  {
    what: 'fan-out job',
    schema: FanOutJobSchema,
    failureMetric: 'ChunkJobsErrored',
    async handle(job) {
      logger.setCorrelationId(`${job.fanOutId}#${job.kind}${job.kind === 'chunk' ? job.index : job.partition}`);
      const started = performance.now();
      const { did, finished } = await jobs.run(job);
      metrics.addMetric(job.kind === 'chunk' ? 'ChunksStaged' : 'PartitionsApplied', MetricUnit.Count, 1);
      logger.info('fan-out job done', { fanOutId: job.fanOutId, kind: job.kind, did, ms: Math.round(performance.now() - started) });
      if (finished) {
        recordFileMetrics(finished);
        logger.info('file processed', { key: finished.key, kind: finished.kind, status: finished.status, rows: finished.rows, format: finished.format, chunks: finished.chunks, error: finished.error });
      }
      return 'done';
    },
  },
  deadLetters(clients, config),
);
