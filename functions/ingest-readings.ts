import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { makeClients } from './commons/clients.ts';
import { loadConfig } from './commons/config.ts';
import { logger, metrics } from './commons/powertools.ts';
import { sqsConsumer } from './commons/handler.ts';
import { s3ObjectsFromSqsBody } from './adapters/s3-events.ts';
import { ingestPorts } from './adapters/ports.ts';
import { ingestFile } from '../domain/use-cases/ingest-file.ts';

const config = loadConfig();
const ingest = ingestFile(ingestPorts(makeClients(), config, logger), config.domain);

/** One SQS message = one S3 notification (one or more objects). A failed message is retried, then dead-lettered. */
async function recordHandler(record: SQSRecord): Promise<void> {
  for (const file of s3ObjectsFromSqsBody(record.body)) {
    logger.setCorrelationId(`${file.key}#${file.etag}`);
    metrics.addMetric('FilesReceived', MetricUnit.Count, 1);
    let result;
    try {
      result = await ingest(file);
    } catch (err) {
      metrics.addMetric('FilesErrored', MetricUnit.Count, 1);
      logger.error('file processing failed; the message will be retried', { key: file.key, error: err as Error });
      throw err;
    }
    if (result.outcome === 'superseded') {
      logger.warn('the announced object was overwritten or deleted before it was read; nothing applied, its successor has its own event', { key: file.key, reason: result.reason });
      continue;
    }
    if (result.outcome !== 'processed') {
      if (result.outcome === 'busy') throw new Error(`${file.key} is being processed by another invocation; retry later`);
      metrics.addMetric('FilesDuplicate', MetricUnit.Count, 1);
      logger.info('file already processed; nothing to do', { key: file.key });
      continue;
    }
    const f = result.file;
    const metric = f.status === 'accepted' ? 'FilesAccepted' : f.status === 'quarantined' ? 'FilesQuarantined' : 'FilesFailed';
    metrics.addMetric(metric, MetricUnit.Count, 1);
    metrics.addMetric('RowsAccepted', MetricUnit.Count, f.rows.accepted);
    metrics.addMetric('RowsRejected', MetricUnit.Count, f.rows.rejected);
    for (const [region, kwh] of Object.entries(f.kwhByRegion ?? {})) {
      const m = metrics.singleMetric();
      m.addDimension('region', region);
      m.addMetric('KwhIngested', MetricUnit.Count, Math.round(kwh));
    }
    logger.info('file processed', { key: f.key, kind: f.kind, status: f.status, rows: f.rows, format: f.format, error: f.error });
  }
}

export const handler = sqsConsumer(recordHandler);
