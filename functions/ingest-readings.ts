import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { makeClients } from './commons/clients.ts';
import { loadConfig } from './commons/config.ts';
import { logger, metrics } from './commons/powertools.ts';
import { queueWorker } from './commons/handler.ts';
import { announcedFiles, S3NotificationSchema } from './adapters/s3-events.ts';
import { deadLetters, ingestPorts } from './adapters/ports.ts';
import { ingestFile } from '../domain/use-cases/ingest-file.ts';
import { recordFileMetrics } from './adapters/file-metrics.ts';

const config = loadConfig();
const clients = makeClients();
const ingest = ingestFile(ingestPorts(clients, config, logger), config.domain);

/** One SQS message = one S3 notification (one or more objects). A failed message is retried, then dead-lettered. */
export const handler = queueWorker(
  {
    what: 'S3 notification',
    schema: S3NotificationSchema,
    retryOn: ['busy'],
    failureMetric: 'FilesErrored',
    async handle(notification) {
      for (const file of announcedFiles(notification)) {
        logger.setCorrelationId(`${file.key}#${file.etag}`);
        metrics.addMetric('FilesReceived', MetricUnit.Count, 1);
        const result = await ingest(file);
        if (result.outcome === 'busy') return 'busy';
        if (result.outcome === 'fanned-out') {
          metrics.addMetric('FilesFannedOut', MetricUnit.Count, 1);
          logger.info('file too large for one invocation: fanned out', { key: file.key, fanOutId: result.fanOutId, chunks: result.chunks });
          continue;
        }
        if (result.outcome === 'superseded') {
          logger.warn('the announced object was overwritten or deleted before it was read; nothing applied, its successor has its own event', { key: file.key, reason: result.reason });
          continue;
        }
        if (result.outcome !== 'processed') {
          metrics.addMetric('FilesDuplicate', MetricUnit.Count, 1);
          logger.info('file already processed; nothing to do', { key: file.key });
          continue;
        }
        const f = result.file;
        recordFileMetrics(f);
        logger.info('file processed', { key: f.key, kind: f.kind, status: f.status, rows: f.rows, format: f.format, error: f.error });
      }
      return 'done';
    },
  },
  deadLetters(clients, config),
);
