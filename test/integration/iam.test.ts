import { readFileSync, rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendRawEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApp, type LocalApp } from '../../local/app.ts';
import type { NamedTemplate } from '../../local/provision.ts';
import { startIamProxy, type IamProxy } from '../../local/iam/proxy.ts';
import { functionRole, resourceNaming } from '../../local/iam/roles.ts';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Removes from `fn`'s role every statement granting `action` (what a forgotten grant looks like in the template). */
function withoutGrant(fn: string, action: string) {
  return (templates: NamedTemplate[]) => {
    for (const { template } of templates) {
      const roleId = (template.Resources?.[fn]?.Properties?.Role as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0];
      if (!roleId) continue;
      for (const r of Object.values(template.Resources ?? {})) {
        const roles = r.Properties?.Roles as { Ref?: string }[] | undefined;
        if (r.Type !== 'AWS::IAM::Policy' || !roles?.some((x) => x.Ref === roleId)) continue;
        const doc = r.Properties!.PolicyDocument as { Statement: Statement[] };
        doc.Statement = doc.Statement.filter((s) => ![s.Action].flat().includes(action));
      }
    }
  };
}

const bounce = (address: string) => ({
  Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify({ eventType: 'Bounce', bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: address }] }, mail: {} }) } }],
});

describe('the local stack enforces the synthesized IAM policies', () => {
  let app: LocalApp;
  let logDir: string;
  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'kam-iam-logs-'));
    // SesFeedback without its Query grant: the defect the local stack used to hide (the grant was missing in AWS).
    app = await startLocalApp({ logDir, mutateTemplates: withoutGrant('SesFeedback', 'dynamodb:Query') });
  });
  afterAll(async () => {
    await app?.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('fails a handler whose grant was removed with AccessDeniedException, as AWS would, and logs the denial', async () => {
    const failed = app.functions.find((f) => f.logicalId === 'SesFeedback')!.invoke(bounce('someone@customer.example'));
    await expect(failed).rejects.toThrow(/AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role\/SesFeedbackRole\S+\/SesFeedback is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:\S+:table\/UsageTable-\w+\/index\/bySegment/);
    expect(app.denials).toEqual([expect.objectContaining({ functionName: 'SesFeedback', action: 'dynamodb:Query', resource: expect.stringMatching(/\/index\/bySegment$/), reason: 'implicit-deny' })]);
    const logged = readFileSync(join(logDir, 'SesFeedback.log'), 'utf8').split('\n').filter((l) => l.includes('local IAM check')).map((l) => JSON.parse(l) as Record<string, string>);
    expect(logged).toEqual([expect.objectContaining({ function: 'SesFeedback', action: 'dynamodb:Query', resource: expect.stringMatching(/\/index\/bySegment$/) })]);
  });

  it('lets through what the role grants: the same kind of call from a function that has the grant', async () => {
    await expect(app.functions.find((f) => f.logicalId === 'RunStatements')!.invoke({ period: '2026-10', customerIds: [] })).resolves.toMatchObject({ queued: 0 });
    await expect(app.functions.find((f) => f.logicalId === 'SendDigest')!.invoke({ weekEnding: '2026-07-19' })).resolves.toMatchObject({ sent: 0 });
    expect(app.denials).toHaveLength(1);
  });

  describe('ses:FromAddress, through the real SES emulator with SendStatement\'s synthesized role', () => {
    let proxy: IamProxy;
    let ses: SESClient;
    beforeAll(async () => {
      const role = functionRole(app.templates, app.resources, 'KamStateless', 'SendStatement');
      proxy = await startIamProxy({ functionName: 'SendStatement', roleArn: role.roleArn, policies: role.policies, upstream: { ses: app.aws.endpoints.ses }, naming: resourceNaming(app.resources) });
      ses = new SESClient({ region: app.aws.region, endpoint: proxy.url, credentials: { ...app.aws.credentials } });
    });
    afterAll(() => proxy?.close());
    const configSet = () => app.functions.find((f) => f.logicalId === 'SendStatement')!.environment.SES_CONFIGURATION_SET;
    const raw = (from: string) => Buffer.from(`From: ${from}\r\nTo: a@customer.example\r\nSubject: t\r\n\r\nbody`);

    it('sends as the configured sender through its configuration set', async () => {
      const res = await ses.send(new SendRawEmailCommand({ RawMessage: { Data: raw('statements@example.com') }, Source: 'statements@example.com', ConfigurationSetName: configSet() }));
      expect(res.MessageId).toBeTruthy();
    });

    it('refuses any other From address, and a configuration set it was not granted', async () => {
      await expect(ses.send(new SendRawEmailCommand({ RawMessage: { Data: raw('ceo@example.com') }, Source: 'ceo@example.com', ConfigurationSetName: configSet() }))).rejects.toMatchObject({
        name: 'AccessDenied',
        message: expect.stringContaining('ses:SendRawEmail on resource: arn:aws:ses:us-east-1:000000000000:identity/example.com'),
      });
      await expect(ses.send(new SendRawEmailCommand({ RawMessage: { Data: raw('statements@example.com') }, Source: 'statements@example.com', ConfigurationSetName: 'SomeoneElses' }))).rejects.toMatchObject({
        name: 'AccessDenied',
        message: expect.stringContaining('configuration-set/SomeoneElses'),
      });
      const to = (await app.aws.readSentMail()).emails.filter((m) => m.from.includes('ceo@'));
      expect(to).toEqual([]);
    });
  });

  it('refuses to start an SQS-triggered function whose role cannot poll its queue, as Lambda refuses the event source mapping', async () => {
    await expect(startLocalApp({ pipeline: true, mutateTemplates: withoutGrant('SendNotice', 'sqs:ReceiveMessage') })).rejects.toThrow(
      /SendNotice: the execution role does not have permissions to call ReceiveMessage on arn:aws:sqs:\S+NoticeQueue/,
    );
  });
});
