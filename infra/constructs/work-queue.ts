import { Duration, Validations } from 'aws-cdk-lib';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { pinLogicalId, rootLogicalId } from './logical-ids.ts';

/** What a worker needs of a work queue; the stateless stack gets it from the stateful one. */
export interface IWorkQueue {
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** The consuming function's timeout; the queue's visibility timeout is derived from it. */
  readonly consumerTimeout: Duration;
}

export interface DeadLetterQueueProps {
  /** Set when nothing redrives from the queue (a Scheduler DLQ, an on-failure destination): what it holds. */
  terminalFor?: string;
}

/** Failed messages wait here 14 days (SQS's maximum) for an operator to inspect and redrive them. SSE-SQS, SSL only. */
export class DeadLetterQueue extends Queue {
  constructor(scope: Construct, id: string, props: DeadLetterQueueProps = {}) {
    super(scope, id, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    // cdk-nag SQS3 only recognises a DLQ through another queue's redrive policy.
    if (props.terminalFor) {
      Validations.of(this.node.defaultChild!).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: `Terminal dead-letter queue (${props.terminalFor}); nothing consumes it, so it needs no DLQ of its own.`,
      });
    }
  }
}

export interface WorkQueueProps {
  /** The consuming function's timeout. */
  consumerTimeout: Duration;
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount?: number;
}

/**
 * A Lambda-consumed queue `<Name>Queue` and its dead-letter queue `<Name>Dlq` (construct id `<Name>Queue`): SSE-SQS
 * (S3 can deliver to it without a key policy), SSL only, a message failing `maxReceiveCount` (5) receives moves to the
 * DLQ, and a visibility timeout of 6 × the consumer's timeout (AWS guidance, so a throttled batch is not redelivered
 * while still running).
 */
export class WorkQueue extends Construct implements IWorkQueue {
  readonly queue: Queue;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly consumerTimeout: Duration;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    const name = /^([A-Z][A-Za-z0-9]*)Queue$/.exec(id)?.[1];
    if (!name) throw new Error(`a work queue's id is <Name>Queue, got "${id}"`);
    this.consumerTimeout = props.consumerTimeout;

    // Both keep the logical ids they had at the stack root, and so do their queue policies: replacing an
    // AWS::SQS::QueuePolicy deletes the queue's policy after writing the new one (S3's send permission, SSL only).
    this.deadLetterQueue = pinLogicalId(new DeadLetterQueue(this, 'Dlq'), `${name}Dlq`);
    pinLogicalId(this.deadLetterQueue.node.findChild('Policy'), rootLogicalId(`${name}Dlq`, 'Policy', 'Resource'));
    // `Default`: the queue's construct path is the stack's `<Name>Queue`, which also names its event source mappings;
    // a renamed mapping would be created before the old one is deleted, and Lambda refuses two for one queue.
    this.queue = pinLogicalId(
      new Queue(this, 'Default', {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
        deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
      }),
      id,
    );
  }
}
