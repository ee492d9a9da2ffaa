import { randomUUID } from 'node:crypto';
import { SqsJobQueue } from '../functions/adapters/sqs-job-queue.ts';
import { STAGES, type Stage } from '../domain/arrears/policy.ts';
import type { NoticeJob } from '../domain/use-cases/arrears-ports.ts';
import type { StatementJob } from '../domain/use-cases/run-statements.ts';
import { type Target, type TargetOptions, withTarget } from './target.ts';

/** An operator's decision on a send of unknown outcome: it went out (`sent`), or it may be sent again (`resend`). */
export interface Resolution {
  decision: 'sent' | 'resend';
  by: string;
  messageId?: string;
}

export type Resolved<J> = { resolved: true; state: 'sent' | 'failed'; job?: J } | { resolved: false; state: string };

/**
 * Resolves a statement email in state 'unknown'. On `resend` it returns the job that sends it again (same issue day,
 * so the same version is reused); nothing else will send it.
 */
export async function resolveStatement(t: Pick<Target, 'stores'>, customerId: string, period: string, version: number | undefined, r: Resolution, at: Date): Promise<Resolved<StatementJob>> {
  const history = (await t.stores.statements.history(customerId)).filter((s) => s.period === period);
  const statement = version === undefined ? history.sort((a, b) => b.version - a.version)[0] : history.find((s) => s.version === version);
  if (!statement) throw new Error(`no statement ${customerId} ${period}${version === undefined ? '' : ` v${version}`}`);
  const to = r.decision === 'sent' ? 'sent' : 'failed';
  const ok = await t.stores.statements.resolveEmail(customerId, period, statement.version, to, { at, by: r.by, ...(r.messageId ? { messageId: r.messageId } : {}) });
  if (!ok) return { resolved: false, state: statement.email.state };
  return r.decision === 'sent' ? { resolved: true, state: to } : { resolved: true, state: to, job: { customerId, period, runId: `resolve-${randomUUID()}`, issuedOn: statement.issuedOn } };
}

/** Resolves a notice in state 'unknown'; on `resend` it returns the notice job that sends it again. */
export async function resolveNotice(t: Pick<Target, 'stores'>, job: NoticeJob, r: Resolution, at: Date): Promise<Resolved<NoticeJob>> {
  const to = r.decision === 'sent' ? 'sent' : 'failed';
  const ok = await t.stores.arrears.resolveNotice(job, to, { at, by: r.by, ...(r.messageId ? { messageId: r.messageId } : {}) });
  if (!ok) return { resolved: false, state: (await t.stores.arrears.notice(job))?.email.state ?? 'missing' };
  return r.decision === 'sent' ? { resolved: true, state: to } : { resolved: true, state: to, job };
}

type Options = TargetOptions & { sent?: boolean; resend?: boolean; messageId?: string; by: string };

function decisionOf(opts: Options): Resolution {
  if (Boolean(opts.sent) === Boolean(opts.resend)) throw new Error('give exactly one of --sent (SES accepted it) or --resend (it did not go out)');
  if (opts.resend && opts.messageId) throw new Error('--message-id goes with --sent');
  return { decision: opts.sent ? 'sent' : 'resend', by: opts.by, ...(opts.messageId ? { messageId: opts.messageId } : {}) };
}

function report(what: string, r: Resolved<unknown>): number {
  if (!r.resolved) {
    console.error(`kam: ${what} is ${r.state}, not unknown: nothing changed`);
    return 1;
  }
  console.log(r.state === 'sent' ? `${what} recorded as sent` : `${what} released and sent again`);
  return 0;
}

export async function resolveStatementCommand(customerId: string, period: string, opts: Options & { version?: number }): Promise<number> {
  const decision = decisionOf(opts);
  return withTarget({ ...opts, pipeline: decision.decision === 'resend' }, async (t) => {
    const r = await resolveStatement(t, customerId, period, opts.version, decision, new Date());
    if (r.resolved && r.job) {
      if (!t.names.statementQueue) throw new Error('this stack has no statement queue');
      await new SqsJobQueue<StatementJob>(t.clients.sqs, t.names.statementQueue).enqueue([r.job]);
      await t.waitForQueues();
    }
    return report(`statement ${customerId} ${period}`, r);
  });
}

export async function resolveNoticeCommand(customerId: string, statementKey: string, stage: string, opts: Options): Promise<number> {
  if (!STAGES.includes(stage as Stage)) throw new Error(`stage must be one of ${STAGES.join(', ')}`);
  const decision = decisionOf(opts);
  return withTarget({ ...opts, pipeline: decision.decision === 'resend' }, async (t) => {
    const r = await resolveNotice(t, { customerId, statementKey, stage: stage as Stage }, decision, new Date());
    if (r.resolved && r.job) {
      if (!t.names.noticeQueue) throw new Error('this stack has no notice queue');
      await new SqsJobQueue<NoticeJob>(t.clients.sqs, t.names.noticeQueue).enqueue([r.job]);
      await t.waitForQueues();
    }
    return report(`notice ${customerId} ${statementKey} ${stage}`, r);
  });
}
