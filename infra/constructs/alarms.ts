import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** Alarm (and all-clear) to the operators' topic as soon as the metric reaches `threshold` (≥) in one period. */
export function alarmOn(scope: Construct, id: string, topic: ITopic, metric: IMetric, description: string, threshold = 1): Alarm {
  const alarm = new Alarm(scope, id, {
    alarmDescription: description,
    metric,
    threshold,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new SnsAction(topic));
  alarm.addOkAction(new SnsAction(topic));
  return alarm;
}

/** Any message waiting in a dead-letter queue is an operator's job. */
export function alarmOnDeadLetters(scope: Construct, id: string, topic: ITopic, queue: IQueue, description: string): Alarm {
  return alarmOn(scope, id, topic, queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), description);
}
