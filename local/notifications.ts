/**
 * S3 → SQS bucket notifications, as S3 delivers them: each ObjectCreated event of the S3 emulator that matches a
 * queue configuration of its bucket (event type + prefix/suffix key filter) becomes one SQS message whose body is
 * the real S3 event JSON (eventVersion 2.1), with the object key URL-encoded the way S3 encodes it.
 */
import { randomBytes } from 'node:crypto';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import type { LocalAws, LocalObjectCreatedEvent } from './servers.ts';

/** One queue configuration of a bucket notification, with local names resolved. */
export interface QueueNotificationRule {
  /** physical bucket name */
  bucket: string;
  queueUrl: string;
  queueArn: string;
  /** S3 event types, e.g. ['s3:ObjectCreated:*'] or ['s3:ObjectCreated:Put'] */
  events: string[];
  prefix?: string;
  suffix?: string;
  /** S3's `configurationId`; generated when the configuration has no Id */
  configurationId?: string;
}

export interface NotificationForwarder {
  readonly rules: readonly QueueNotificationRule[];
  /** Number of SQS messages sent so far. */
  readonly forwarded: number;
  /** Delivery failures (the forwarder keeps going). */
  readonly errors: readonly Error[];
  /** Resolves once every event seen so far has been delivered to its queue(s). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export interface ForwardOptions {
  log?: (msg: string) => void;
  /** Also send S3's `s3:TestEvent` message to every configured queue at start, as S3 does when the
   * configuration is put. Off by default, so tests can count messages exactly. */
  sendTestEvent?: boolean;
}

/**
 * Encodes an object key the way S3 writes it into event notifications: like application/x-www-form-urlencoded
 * (space → '+', UTF-8 percent-escapes for everything else) but with '/' left as is.
 * Handlers decode it with `decodeURIComponent(key.replace(/\+/g, ' '))`.
 */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/');
}

/** The decoding every S3-triggered handler does. */
export function decodeS3EventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** Does an event of this name match an S3 notification event type (with '*' wildcard)? */
export function matchesEventType(eventName: string, eventTypes: readonly string[]): boolean {
  const full = `s3:${eventName}`;
  return eventTypes.some((type) => (type.endsWith('*') ? full.startsWith(type.slice(0, -1)) : full === type));
}

export function ruleMatches(rule: QueueNotificationRule, event: LocalObjectCreatedEvent): boolean {
  return (
    rule.bucket === event.bucket &&
    matchesEventType(event.eventName, rule.events) &&
    (rule.prefix === undefined || event.key.startsWith(rule.prefix)) &&
    (rule.suffix === undefined || event.key.endsWith(rule.suffix))
  );
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase();

/** Builds the S3 event record S3 would send for this object-created event. */
export function buildS3EventRecord(
  event: LocalObjectCreatedEvent,
  configurationId: string,
  region: string,
): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: event.eventTime,
    eventName: event.eventName,
    userIdentity: { principalId: 'AWS:AIDALOCALS3EMULATOR' },
    requestParameters: { sourceIPAddress: event.sourceIp },
    responseElements: { 'x-amz-request-id': hex(8), 'x-amz-id-2': randomBytes(48).toString('base64') },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId,
      bucket: {
        name: event.bucket,
        ownerIdentity: { principalId: 'A3LOCALOWNER' },
        arn: `arn:aws:s3:::${event.bucket}`,
      },
      object: {
        key: encodeS3EventKey(event.key),
        size: event.size,
        eTag: event.eTag ?? '',
        sequencer: event.sequencer,
      },
    },
  };
}

/** Starts forwarding the emulator's ObjectCreated events to SQS according to `rules`. Stops with `aws.stop()`. */
export function forwardObjectCreatedNotifications(
  aws: LocalAws,
  rules: readonly QueueNotificationRule[],
  options: ForwardOptions = {},
): NotificationForwarder {
  const log = options.log ?? (() => {});
  const sqs = new SQSClient({
    endpoint: aws.endpoints.sqs,
    region: aws.region,
    credentials: { ...aws.credentials },
    useQueueUrlAsEndpoint: false,
  });
  const normalized = rules.map((rule, i) => ({
    ...rule,
    configurationId: rule.configurationId ?? `local-${rule.bucket}-${i}`.slice(0, 64),
  }));
  const errors: Error[] = [];
  let forwarded = 0;
  let stopped = false;
  // one chain keeps delivery in event order
  let tail: Promise<void> = Promise.resolve();

  const send = (rule: (typeof normalized)[number], body: string) => {
    tail = tail.then(async () => {
      try {
        await sqs.send(new SendMessageCommand({ QueueUrl: rule.queueUrl, MessageBody: body }));
        forwarded++;
      } catch (err) {
        const error = new Error(`S3 notification to ${rule.queueUrl} failed: ${String(err)}`, { cause: err });
        errors.push(error);
        log(error.message);
      }
    });
  };

  if (options.sendTestEvent) {
    for (const rule of normalized) {
      send(
        rule,
        JSON.stringify({
          Service: 'Amazon S3',
          Event: 's3:TestEvent',
          Time: new Date().toISOString(),
          Bucket: rule.bucket,
          RequestId: hex(8),
          HostId: randomBytes(48).toString('base64'),
        }),
      );
    }
  }

  const unsubscribe = aws.onObjectCreated((event) => {
    if (stopped) return;
    for (const rule of normalized) {
      if (!ruleMatches(rule, event)) continue;
      const body: S3Event = { Records: [buildS3EventRecord(event, rule.configurationId, aws.region)] };
      send(rule, JSON.stringify(body));
    }
  });

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    await tail;
    sqs.destroy();
  };
  aws.beforeStop(stop);

  return {
    rules: normalized,
    get forwarded() {
      return forwarded;
    },
    errors,
    settled: async () => {
      // new sends may be chained while we wait
      let seen: Promise<void>;
      do {
        seen = tail;
        await seen;
      } while (seen !== tail);
    },
    stop,
  };
}
