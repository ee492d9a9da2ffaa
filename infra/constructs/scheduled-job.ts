import { type Duration, TimeZone } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { ScheduleTargetBase, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { alarmOnDeadLetters } from './alarms.ts';
import { KamFunction, type KamFunctionProps } from './kam-function.ts';

export interface ScheduledJobProps extends KamFunctionProps {
  /** What the schedule is for (its description). */
  scheduleDescription: string;
  /** EventBridge Scheduler `cron(...)`, read in `timeZone`. */
  expression: string;
  timeZone: string;
  /** The event the function receives. */
  input: Record<string, unknown>;
  /** How long Scheduler keeps retrying an undelivered invocation (its default: 24 hours). */
  maxEventAge?: Duration;
  /** Runs Scheduler could not deliver, and runs still failing after Lambda's 2 retries, are kept here. */
  deadLetterQueue: IQueue;
  /** Operators' topic: the dead-letter alarm and its all-clear go there. */
  alarmTopic: ITopic;
  /** What a message in the dead-letter queue means, for the operator the alarm reaches. */
  deadLetterAlarmDescription: string;
}

/**
 * A KamFunction run by an EventBridge Scheduler schedule (`<id>Schedule`) in a time zone, with no flexible window,
 * through its own role (`<id>SchedulerRole`) that may invoke this function only; failed runs are kept in a
 * dead-letter queue that is alarmed on.
 */
export class ScheduledJob extends KamFunction {
  readonly schedule: Schedule;
  readonly schedulerRole: Role;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    const { scheduleDescription, expression, timeZone, input, maxEventAge, deadLetterQueue, alarmTopic, deadLetterAlarmDescription, ...functionProps } = props;
    super(scope, id, functionProps);

    // Scheduler invokes asynchronously: a run that still fails after Lambda's retries is kept, not dropped.
    this.function.configureAsyncInvoke({ onFailure: new SqsDestination(deadLetterQueue), retryAttempts: 2 });

    // Own role, assumable only by Scheduler for this account's default schedule group (confused-deputy guard).
    const stack = this.function.stack;
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      description: `Lets the schedule "${scheduleDescription}" invoke ${id}, nothing else`,
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
          },
        },
      }),
    });
    this.schedule = new Schedule(this, 'Schedule', {
      description: scheduleDescription,
      schedule: ScheduleExpression.expression(expression, TimeZone.of(timeZone)),
      timeWindow: TimeWindow.off(),
      target: new InvokeFunctionOnly(this.function, {
        role: this.schedulerRole,
        input: ScheduleTargetInput.fromObject(input),
        deadLetterQueue,
        ...(maxEventAge ? { maxEventAge } : {}),
      }),
    });

    this.deadLetterAlarm = alarmOnDeadLetters(this, 'DeadLetterAlarm', alarmTopic, deadLetterQueue, deadLetterAlarmDescription);
  }
}

/** LambdaInvoke grants `<function>:*` (every version and alias) as well; Scheduler calls the unqualified function only. */
class InvokeFunctionOnly extends ScheduleTargetBase {
  private readonly target: IFunction;

  constructor(target: IFunction, props: ScheduleTargetBaseProps) {
    super(props, target.functionArn);
    this.target = target;
  }

  protected addTargetActionToRole(role: IRole): void {
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.target.functionArn] }));
  }
}
