import { beforeAll, describe, expect, it } from 'vitest';
import { consoleApi } from '../../../functions/console/app.ts';
import type { ConsoleReadPorts } from '../../../domain/console/read-models.ts';
import type { Customer } from '../../../domain/customers/customer-master.ts';
import { memoryPorts } from '../domain/console/fixtures.ts';
import { taskId } from '../../../domain/console/tasks.ts';
import { loadFixture } from '../domain/statements/fixtures.ts';
import type { StoredStatement } from '../../../domain/use-cases/statement-ports.ts';

// C1's October statement, as stored after it was emailed (the zh-CN statement fixture, under C1's id).
const zh = loadFixture('zh');
const STORED: StoredStatement = { ...zh.statement, customerId: 'C1', period: '2026-10', version: 2, email: { state: 'sent', messageId: 'ses-1', at: '2026-11-02T06:00:00Z' }, createdAt: '2026-11-02T06:00:00Z' };

// The console API's read routes with a token check that accepts "token-<name>" (the real check, aws-jwt-verify
// against the pool's JWKS, is exercised on the local stack): who sees which customer is decided by the domain.
const customer = (id: string, region: string, manager: string): Customer => ({
  customerId: id, name: `Plant ${id}`, email: `${id}@example.com`, locale: 'zh-CN', region, tariffId: 't1',
  contractKva: 1000, contractKw: null, accountManagerEmail: manager, pfStandard: 0.9, meterIds: [id], basicChargeMode: null,
});
const CUSTOMERS = [customer('C1', 'east', 'Wang@Example.com'), customer('C2', 'east', 'li@example.com'), customer('C3', 'west', 'li@example.com')];
const day = (d: string, kwh: number) => ({
  customerId: 'C1', day: d, kwh, hourly: Array.from({ length: 24 }, (_, h) => (h >= 8 && h < 18 ? kwh / 10 : 0)),
  bands: { sharp: 0, peak: kwh / 2, flat: kwh / 2, valley: 0 }, maxDemandKw: kwh / 10, kvarh: null,
  intervals: { actual: 24, estimated: 0, missing: 0 }, intervalMinutes: 60, meters: {},
});

const ports: ConsoleReadPorts = {
  customers: { list: async () => CUSTOMERS, get: async (id) => CUSTOMERS.find((c) => c.customerId === id) },
  segments: { history: async () => [], latestDay: async (id) => (id === 'C1' ? '2026-10-03' : undefined) },
  usage: { range: async (id, from, to) => (id === 'C1' ? [day('2026-10-01', 100), day('2026-10-02', 200), day('2026-10-03', 300)].filter((d) => d.day >= from && d.day <= to) : []) } as ConsoleReadPorts['usage'],
  tariffs: { get: async () => undefined },
  statements: { history: async (id) => (id === 'C1' ? [{ ...STORED, version: 1 }, STORED] : []) },
  peers: { get: async () => undefined },
  alerts: { get: async (id, _p, kind) => (id === 'C1' && kind === 'demand' ? { customerId: id, period: '2026-10', kind, figures: {} as never, raisedAt: '', email: { state: 'sent' } } : undefined) },
  arrears: { receivables: async () => [], notices: async () => [], holds: async () => [] },
  tasks: { tasksOf: async () => [] },
  payments: { forCustomer: async () => [] },
};
const USERS: Record<string, Record<string, unknown>> = {
  wang: { sub: 's-wang', email: 'wang@example.com', 'cognito:groups': ['managers'] },
  li: { sub: 's-li', email: 'li@example.com', 'cognito:groups': ['managers'] },
  zhao: { sub: 's-zhao', email: 'zhao@example.com', 'cognito:groups': ['supervisors'], 'custom:regions': 'east' },
  ops: { sub: 's-ops', email: 'ops@example.com', 'cognito:groups': ['operators'] },
  nobody: { sub: 's-x', email: 'x@example.com' },
};
const work = memoryPorts(CUSTOMERS);
const app = consoleApi({
  work: work.ports,
  verify: async (token) => {
    const claims = USERS[token.replace(/^token-/, '')];
    if (!claims) throw new Error('bad token');
    return claims;
  },
  read: ports,
  today: () => '2026-11-30',
  render: { utilityName: { en: 'Utility', 'zh-CN': '供电公司' } },
});
const get = (path: string, user?: string) => app.request(path, user ? { headers: { authorization: `Bearer token-${user}` } } : {});

describe('console read routes', () => {
  it('answers 401 without a valid bearer token and 403 to a token without a console group', async () => {
    expect((await get('/api/customers')).status).toBe(401);
    expect((await app.request('/api/customers', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    expect((await get('/api/customers', 'mallory')).status).toBe(401);
    const r = await get('/api/customers', 'nobody');
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({ message: 'Forbidden' });
  });

  it('gives each caller their portfolio: a manager their own (email case ignored), a supervisor their regions, an operator all', async () => {
    const ids = async (u: string) => ((await (await get('/api/customers', u)).json()) as { customers: { id: string }[] }).customers.map((c) => c.id);
    expect(await ids('wang')).toEqual(['C1']);
    expect(await ids('li')).toEqual(['C2', 'C3']);
    expect(await ids('zhao')).toEqual(['C1', 'C2']);
    expect(await ids('ops')).toEqual(['C1', 'C2', 'C3']);
  });

  it('has the open month so far, alerts and whether the caller may act', async () => {
    const body = (await (await get('/api/customers', 'wang')).json()) as { customers: Record<string, unknown>[] };
    expect(body.customers[0]).toMatchObject({ id: 'C1', period: '2026-10', monthKwh: 600, monthDays: 3, openAlerts: ['demand'], arrearsStage: null, overdue: '0.00', writable: true, projectedBill: null });
    const ops = (await (await get('/api/customers', 'ops')).json()) as { customers: { writable: boolean }[] };
    expect(ops.customers.every((c) => !c.writable)).toBe(true);
  });

  it('refuses another manager\'s customer 360 with 403 and no data, the same as one that does not exist', async () => {
    const denied = await get('/api/customers/C2', 'wang');
    expect(denied.status).toBe(403);
    expect(await denied.text()).toBe('{"message":"Forbidden"}');
    expect((await get('/api/customers/NOPE', 'wang')).status).toBe(403);
    expect((await get('/api/customers/C3', 'zhao')).status).toBe(403);
    const ok = await get('/api/customers/C1', 'wang');
    expect(ok.status).toBe(200);
    const c = (await ok.json()) as { profile: { customerId: string }; days: unknown[]; profileShares: number[] };
    expect(c.profile.customerId).toBe('C1');
    expect(c.days).toHaveLength(3);
    expect(c.profileShares.slice(8, 18).every((v) => v === 0.1)).toBe(true);
  });
});

describe('every route × every role', () => {
  // Open a task for each customer so the write routes have something to act on.
  beforeAll(async () => {
    for (const c of CUSTOMERS) {
      await work.ports.console.createTask({
        id: taskId(c.customerId, `2026-10-01#playbook:visit#visit`), customerId: c.customerId, kind: 'visit', day: '2026-10-01', dueOn: '2026-10-15',
        assignee: c.accountManagerEmail, source: { kind: 'playbook', action: 'visit', text: 'Visit', segmentAsOf: '2026-10-01' }, note: '', status: 'open',
      });
    }
  });
  const send = (method: string, path: string, user: string | undefined, body?: unknown) =>
    app.request(path, { method, headers: { ...(user ? { authorization: `Bearer token-${user}` } : {}), 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const readable: Record<string, string[]> = { wang: ['C1'], li: ['C2', 'C3'], zhao: ['C1', 'C2'], ops: ['C1', 'C2', 'C3'] };
  const writable: Record<string, string[]> = { wang: ['C1'], li: ['C2', 'C3'], zhao: ['C1', 'C2'], ops: [] };

  it.each(['wang', 'li', 'zhao', 'ops'])('%s: reads exactly their customers on every customer route and nobody else\'s', async (user) => {
    for (const c of CUSTOMERS) {
      const own = readable[user]!.includes(c.customerId);
      for (const path of [`/api/customers/${c.customerId}`, `/api/tasks?customer=${c.customerId}`, `/api/approvals?customer=${c.customerId}`]) {
        const r = await send('GET', path, user);
        expect([path, r.status]).toEqual([path, own ? 200 : 403]);
        if (r.status === 403) expect(await r.text()).toBe('{"message":"Forbidden"}');
      }
    }
    const listed = ((await (await send('GET', '/api/tasks', user)).json()) as { tasks: { customerId: string }[] }).tasks.map((t) => t.customerId).sort();
    expect(listed).toEqual(readable[user]);
    const k = await send('GET', '/api/kpis?period=2026-10', user);
    expect(k.status).toBe(200);
    expect(((await k.json()) as { managers: { manager: string }[] }).managers.map((m) => m.manager).sort()).toEqual(
      [...new Set(CUSTOMERS.filter((c) => readable[user]!.includes(c.customerId)).map((c) => c.accountManagerEmail.toLowerCase()))].sort(),
    );
  });

  it.each(['ops', 'wang', 'zhao', 'li'])('%s: writes only where they may act (operators never), and each task closes once', async (user) => {
    for (const c of CUSTOMERS) {
      const id = taskId(c.customerId, '2026-10-01#playbook:visit#visit');
      const r = await send('POST', `/api/tasks/${id}`, user, { kind: 'reached', note: 'met the energy manager' });
      const mayWrite = writable[user]!.includes(c.customerId);
      const closedBefore = Object.entries(writable).some(([u, ids]) => ids.includes(c.customerId) && ['ops', 'wang', 'zhao', 'li'].indexOf(u) < ['ops', 'wang', 'zhao', 'li'].indexOf(user));
      expect([c.customerId, r.status]).toEqual([c.customerId, !mayWrite ? 403 : closedBefore ? 409 : 200]);
    }
  });

  it('answers 401 on every route without a token, and 400 on a bad body or period', async () => {
    for (const [m, path] of [['GET', '/api/me'], ['GET', '/api/customers'], ['GET', '/api/customers/C1'], ['GET', '/api/tasks'], ['POST', '/api/tasks/C1~x'], ['GET', '/api/approvals'], ['POST', '/api/approvals/C1~2026-10~v1'], ['GET', '/api/kpis']] as const) {
      expect([path, (await send(m, path, undefined, m === 'POST' ? {} : undefined)).status]).toEqual([path, 401]);
    }
    expect((await app.request('/api/tasks/C1~x', { method: 'POST', headers: { authorization: 'Bearer token-wang' }, body: 'not json' })).status).toBe(400);
    expect((await send('GET', '/api/kpis?period=2026-13', 'ops')).status).toBe(400);
    expect((await send('GET', '/api/tasks?status=maybe', 'ops')).status).toBe(400);
    expect((await send('POST', '/api/approvals/C1~2026-10~v1', 'zhao', { verdict: 'approve' })).status).toBe(400);
  });
});

describe('a statement as emailed', () => {
  it('is the email HTML of the latest version (or the one asked for), as a download that runs nothing, and only for those who may see the customer', async () => {
    const r = await get('/api/customers/C1/statements/2026-10/html', 'wang');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="C1-2026-10-v2.html"');
    expect(r.headers.get('content-security-policy')).toMatch(/^sandbox; default-src 'none'/);
    const html = await r.text();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/<script/i);
    expect((await get('/api/customers/C1/statements/2026-10/html?version=1', 'wang')).headers.get('content-disposition')).toContain('-v1.html');
    expect((await get('/api/customers/C1/statements/2026-09/html', 'wang')).status).toBe(404);
    expect((await get('/api/customers/C1/statements/2026-10/html?version=x', 'wang')).status).toBe(400);
    expect((await get('/api/customers/C1/statements/2026-10/html', 'li')).status).toBe(403);
    const c = (await (await get('/api/customers/C1', 'ops')).json()) as { statements: { period: string; version: number; email: string }[] };
    expect(c.statements).toEqual([expect.objectContaining({ period: '2026-10', version: 2, email: 'sent' })]);
  });
});
