import { z } from 'zod';
import type { FileRef } from '../../domain/use-cases/ports.ts';

const S3Record = z.object({
  eventName: z.string(),
  eventTime: z.string().optional(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(3) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      eTag: z.string().optional(),
      versionId: z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});

/** An S3 event notification as delivered through SQS, or the s3:TestEvent S3 sends when a notification is configured. */
export const S3NotificationSchema = z.union([z.object({ Event: z.literal('s3:TestEvent') }), z.object({ Records: z.array(S3Record) })]);
export type S3Notification = z.infer<typeof S3NotificationSchema>;

/** The objects a notification announces. Keys arrive URL-encoded with '+' for spaces. */
export function announcedFiles(notification: S3Notification): FileRef[] {
  if (!('Records' in notification)) return [];
  return notification.Records.filter((r) => r.eventName.startsWith('ObjectCreated')).map((r) => ({
    bucket: r.s3.bucket.name,
    key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')),
    etag: (r.s3.object.eTag ?? '').replace(/"/g, ''),
    ...(r.s3.object.size !== undefined ? { size: r.s3.object.size } : {}),
    ...(r.s3.object.versionId ? { versionId: r.s3.object.versionId } : {}),
    ...(r.eventTime ? { eventTime: r.eventTime } : {}),
    ...(r.s3.object.sequencer ? { sequencer: r.s3.object.sequencer } : {}),
  }));
}
