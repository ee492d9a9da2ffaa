import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ENV } from '../../contracts/settings.ts';
import { alarmOnDeadLetters } from './alarms.ts';
import { KamFunction, type KamFunctionProps } from './kam-function.ts';
import type { IWorkQueue } from './work-queue.ts';

export interface QueueWorkerProps extends Omit<KamFunctionProps, 'timeout'> {
  /** Its timeout is the queue's consumer timeout, from which the queue's visibility timeout was derived. */
  workQueue: IWorkQueue;
  batchSize: number;
  /** Upper bound on concurrent invocations (2–1000), e.g. to keep within a send rate or the table's capacity. */
  maxConcurrency: number;
  /** Operators' topic: the dead-letter alarm and its all-clear go there. */
  alarmTopic: ITopic;
  /** What a message in the dead-letter queue means, for the operator the alarm reaches. */
  deadLetterAlarmDescription: string;
}

/**
 * A KamFunction consuming a WorkQueue: partial batch failures (ReportBatchItemFailures), bounded concurrency, an alarm
 * on its dead-letter queue, and that queue's URL (DEAD_LETTER_QUEUE_URL) with sqs:SendMessage on it, so the handler
 * can dead-letter a message that can never succeed at once instead of retrying it.
 */
export class QueueWorker extends KamFunction {
  readonly workQueue: IWorkQueue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: QueueWorkerProps) {
    const { workQueue, batchSize, maxConcurrency, alarmTopic, deadLetterAlarmDescription, ...functionProps } = props;
    super(scope, id, { ...functionProps, timeout: workQueue.consumerTimeout });
    this.workQueue = workQueue;

    // The event source grants the consume actions on the queue.
    this.function.addEventSource(new SqsEventSource(workQueue.queue, { batchSize, maxConcurrency, reportBatchItemFailures: true }));

    // SendMessage only: the worker writes to its DLQ and never reads or deletes there.
    const dlq = workQueue.deadLetterQueue;
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [dlq.queueArn] }));
    dlq.encryptionMasterKey?.grantEncryptDecrypt(this.role);
    this.addEnvironment(ENV.deadLetterQueueUrl, dlq.queueUrl);

    this.deadLetterAlarm = alarmOnDeadLetters(this, 'DeadLetterAlarm', alarmTopic, dlq, deadLetterAlarmDescription);
  }
}
