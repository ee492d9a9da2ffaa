import type { S3Event } from 'aws-lambda';
import type { FileRef } from '../../domain/use-cases/ports.ts';

/**
 * The objects an S3 notification (as delivered through SQS) announces. Keys arrive URL-encoded with '+' for spaces;
 * the s3:TestEvent S3 sends when a notification is configured announces nothing.
 */
export function s3ObjectsFromSqsBody(body: string): FileRef[] {
  let parsed: Partial<S3Event> & { Event?: string };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    throw new Error(`message body is not JSON: ${body.slice(0, 80)}`);
  }
  if (parsed.Event === 's3:TestEvent') return [];
  if (!Array.isArray(parsed.Records)) throw new Error('message is not an S3 event notification (no Records)');
  return parsed.Records.filter((r) => r.eventName?.startsWith('ObjectCreated')).map((r) => ({
    bucket: r.s3.bucket.name,
    key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')),
    etag: (r.s3.object.eTag ?? '').replace(/"/g, ''),
    size: r.s3.object.size,
    ...(r.s3.object.versionId ? { versionId: r.s3.object.versionId } : {}),
    ...(r.eventTime ? { eventTime: r.eventTime } : {}),
    ...(r.s3.object.sequencer ? { sequencer: r.s3.object.sequencer } : {}),
  }));
}
