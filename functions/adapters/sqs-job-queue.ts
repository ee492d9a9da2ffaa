import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { JobQueue } from '../../domain/use-cases/run-statements.ts';

/** One SQS message per job, sent ten at a time; entries SQS reports as failed are retried, then surfaced. */
export class SqsJobQueue<T> implements JobQueue<T> {
  private readonly sqs: SQSClient;
  private readonly url: string;
  constructor(sqs: SQSClient, url: string) {
    this.sqs = sqs;
    this.url = url;
  }

  async enqueue(jobs: readonly T[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += 10) {
      let entries = jobs.slice(i, i + 10).map((job, n) => ({ Id: String(n), MessageBody: JSON.stringify(job) }));
      for (let attempt = 0; entries.length; attempt++) {
        const res = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.url, Entries: entries }));
        const failed = new Set((res.Failed ?? []).map((f) => f.Id));
        if (failed.size && attempt >= 4) throw new Error(`SQS refused ${failed.size} job(s): ${res.Failed?.[0]?.Message ?? 'unknown'}`);
        entries = entries.filter((e) => failed.has(e.Id));
        if (entries.length) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }
}
