import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { DeadLetters } from '../commons/handler.ts';

/** Puts a message that can never succeed on the worker's dead-letter queue as it came, with why and whence. */
export class SqsDeadLetters implements DeadLetters {
  private readonly sqs: SQSClient;
  private readonly url: string;
  private readonly functionName: string;
  constructor(sqs: SQSClient, url: string, functionName: string) {
    this.sqs = sqs;
    this.url = url;
    this.functionName = functionName;
  }

  async put(record: SQSRecord, reason: string): Promise<void> {
    const attribute = (v: string) => ({ DataType: 'String', StringValue: v.slice(0, 1000) });
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.url,
        MessageBody: record.body,
        MessageAttributes: {
          reason: attribute(reason),
          sourceMessageId: attribute(record.messageId),
          sourceQueue: attribute(record.eventSourceARN),
          deadLetteredBy: attribute(this.functionName),
        },
      }),
    );
  }
}
