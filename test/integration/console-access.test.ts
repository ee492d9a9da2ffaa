import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createConsoleUsers, localPassword, signIn } from '../../local/console-users.ts';
import { taskId } from '../../domain/console/tasks.ts';
import { approvalId } from '../../domain/console/approvals.ts';
import { freshId, localApp } from '../helpers/local-app.ts';

/**
 * Who may do what in the console, on the local stack and through HTTP only: Cognito tokens from the local pool, the
 * console server's /api/* → HTTP API emulator (JWT authorizer) → ConsoleApi in the Lambda runner (its role enforced)
 * → DynamoDB Local. Every route is walked for every role against customers of two managers in two regions.
 */
const app = localApp();
const { url, pool } = inject('localApp').console;
const id = freshId();
const [rx, ry] = [`x${id}`.toLowerCase(), `y${id}`.toLowerCase()];
const [k1, k2, k3] = [`${id}K1`, `${id}K2`, `${id}K3`];
const email = (who: string) => `${who}.${id}@utility.example`.toLowerCase();
const USERS = {
  managerA: { email: email('mgr-a'), groups: ['managers'] as const },
  managerB: { email: email('mgr-b'), groups: ['managers'] as const },
  supervisor: { email: email('sup-1'), groups: ['supervisors'] as const, regions: [rx] },
  supervisor2: { email: email('sup-2'), groups: ['supervisors'] as const, regions: [rx] },
  operator: { email: email('ops'), groups: ['operators'] as const },
  nobody: { email: email('nobody'), groups: [] as const },
};
type User = keyof typeof USERS;
const password = localPassword();
const STATEMENT = '2026-06#v1';
/** K1: manager A in region x; K2: manager B in region x; K3: manager B in region y. */
const CUSTOMERS: Record<string, { manager: User; region: string }> = { [k1]: { manager: 'managerA', region: rx }, [k2]: { manager: 'managerB', region: rx }, [k3]: { manager: 'managerB', region: ry } };

const readable = (u: User, k: string): boolean => {
  const c = CUSTOMERS[k]!;
  if (u === 'operator') return true;
  if (u === 'supervisor' || u === 'supervisor2') return c.region === rx;
  return c.manager === u;
};
const writable = (u: User, k: string): boolean => u !== 'operator' && readable(u, k);

const tokens = new Map<User, string>();
async function call(user: User | null, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (user) headers.authorization = `Bearer ${tokens.get(user)}`;
  const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, text: await res.text() };
}

describe('console access through HTTP on the local stack', () => {
  beforeAll(async () => {
    const head = 'customer_id,name,email,locale,region,tariff_id,contract_kva,contract_kw,account_manager_email,pf_standard,meter_ids';
    const rows = Object.entries(CUSTOMERS).map(([k, c]) => `${k},Plant ${k},ops-${k.toLowerCase()}@example.com,en,${c.region},cn-large-industry-2026,1000,800,${USERS[c.manager].email},0.90,`);
    expect((await app.upload(`customers/${id}-access.csv`, [head, ...rows].join('\n'))).status).toBe('accepted');
    await createConsoleUsers(pool, Object.values(USERS).map((u) => ({ ...u, password })));
    for (const [name, u] of Object.entries(USERS)) tokens.set(name as User, await signIn(pool, u.email, password));
    for (const k of Object.keys(CUSTOMERS)) {
      // One open task per customer and user, so each write below meets an open task and only access decides.
      for (const u of Object.keys(USERS)) {
        await app.stores.console.createTask({
          id: taskId(k, `2026-06-30#playbook:visit#${u}`), customerId: k, kind: 'visit', day: '2026-06-30', dueOn: '2026-07-14', assignee: USERS[CUSTOMERS[k]!.manager].email,
          source: { kind: 'playbook', action: 'visit', text: 'Visit', segmentAsOf: '2026-06-30' }, note: '', status: 'open',
        });
      }
      await app.stores.arrears.createNotice({
        customerId: k, tier: 'A', statementKey: STATEMENT, period: '2026-06', stage: 'disconnection-request', amountDue: '1000.00', currency: 'CNY', dueDate: '2026-07-20',
        daysOverdue: 40, lateChargeSoFar: '0.50', lateChargeDetail: '', nextStep: null, disconnectionDate: '2026-09-05', copyManager: true, phoneTask: false,
        decidedOn: '2026-08-29', decidedAt: '2026-08-29T01:00:00.000Z', email: { state: 'sent', sentOn: '2026-08-29', amountDue: '1000.00', disconnectionDate: '2026-09-05' },
      });
    }
  });

  const ROUTES = (k: string, u: User) => [
    ['GET', `/api/customers/${k}`],
    ['GET', `/api/tasks?customer=${k}`],
    ['GET', `/api/approvals?customer=${k}`],
    ['GET', `/api/customers/${k}/statements/2026-06/html`],
    ['POST', `/api/tasks/${taskId(k, `2026-06-30#playbook:visit#${u}`)}`, { kind: 'not-reached', note: 'no answer' }],
  ] as const;

  it('answers 401 on every route without a token or with a forged one, before any function runs', async () => {
    const forged = `${tokens.get('operator')!.slice(0, -8)}AAAAAAAA`;
    for (const [method, path, body] of [...ROUTES(k1, 'operator'), ['GET', '/api/me'], ['GET', '/api/customers'], ['GET', '/api/kpis?period=2026-08'], ['POST', `/api/approvals/${approvalId(k1, STATEMENT)}`, { verdict: 'approve', reason: 'x' }]] as const) {
      expect([path, (await call(null, method, path, body)).status]).toEqual([path, 401]);
      const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${forged}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      expect([path, res.status]).toEqual([path, 401]);
    }
  });

  it('walks every customer route for every role: 200 where the rules allow, otherwise 403 with no data', async () => {
    for (const u of Object.keys(USERS) as User[]) {
      for (const k of Object.keys(CUSTOMERS)) {
        for (const [method, path, body] of ROUTES(k, u)) {
          const r = await call(u, method, path, body);
          // No statement is stored for these customers: a reader learns that (404), anyone else only 403.
          const found = path.endsWith('/html') ? 404 : 200;
          const expected = u === 'nobody' ? 403 : method === 'POST' ? (writable(u, k) ? 200 : 403) : readable(u, k) ? found : 403;
          expect(`${u} ${method} ${path} → ${r.status}`).toBe(`${u} ${method} ${path} → ${expected}`);
          if (r.status === 403) expect(r.text).toBe('{"message":"Forbidden"}');
        }
      }
      if (u === 'nobody') continue;
      const listed = JSON.parse((await call(u, 'GET', '/api/customers')).text) as { customers: { id: string }[] };
      expect([u, listed.customers.map((c) => c.id).filter((c) => c.startsWith(id)).sort()]).toEqual([u, Object.keys(CUSTOMERS).filter((k) => readable(u, k)).sort()]);
      const kpi = JSON.parse((await call(u, 'GET', '/api/kpis?period=2026-08')).text) as { managers: { manager: string }[] };
      const mine = kpi.managers.map((m) => m.manager).filter((m) => m.includes(id.toLowerCase())).sort();
      expect([u, mine]).toEqual([u, [...new Set(Object.keys(CUSTOMERS).filter((k) => readable(u, k)).map((k) => USERS[CUSTOMERS[k]!.manager].email))].sort()]);
    }
  });

  it('keeps four eyes: managers only recommend, operators never write, a supervisor never decides their own recommendation', async () => {
    const post = (u: User, k: string, body: Record<string, unknown>) => call(u, 'POST', `/api/approvals/${approvalId(k, STATEMENT)}`, body);
    expect((await post('operator', k1, { verdict: 'approve', reason: 'looks overdue' })).status).toBe(403);
    expect((await post('operator', k1, { verdict: 'approve', reason: 'looks overdue', as: 'decision' })).status).toBe(403);
    expect((await post('managerB', k1, { verdict: 'approve', reason: 'not mine' })).status).toBe(403);
    expect((await post('managerA', k1, { verdict: 'approve', reason: 'I am the manager', as: 'decision' })).status).toBe(403);
    expect((await post('managerA', k1, { verdict: 'approve', reason: 'three notices unanswered' })).status).toBe(200);
    expect((await post('managerA', k1, { verdict: 'reject', reason: 'changed my mind' })).status).toBe(409);
    // A supervisor may recommend in their region; they cannot then decide it themselves, another supervisor can.
    expect((await post('supervisor', k2, { verdict: 'approve', reason: 'manager away', as: 'recommendation' })).status).toBe(200);
    const own = await post('supervisor', k2, { verdict: 'approve', reason: 'my own' });
    expect(own.status).toBe(403);
    expect((await post('supervisor2', k2, { verdict: 'approve', reason: 'second pair of eyes' })).status).toBe(200);
    // Decided once: a second decision is a conflict; the recommender stays refused.
    expect((await post('supervisor2', k2, { verdict: 'reject', reason: 'too late' })).status).toBe(409);
    expect((await post('supervisor', k2, { verdict: 'reject', reason: 'too late' })).status).toBe(403);
    // Region y is nobody's here but manager B's and the operator's to see.
    expect((await post('supervisor', k3, { verdict: 'approve', reason: 'not my region' })).status).toBe(403);
    const k2Approval = JSON.parse((await call('operator', 'GET', `/api/approvals?customer=${k2}`)).text) as { approvals: { state: string; decision: { by: { email: string } } }[] };
    expect(k2Approval.approvals[0]).toMatchObject({ state: 'approved', decision: { by: { email: USERS.supervisor2.email } } });
    expect((await app.stores.console.audit(k2)).map((e) => e.action).filter((a) => a.startsWith('approval.'))).toEqual(['approval.decided', 'approval.recommended']);
  });

  it('records a promise to pay with its audit entry (no hold: nothing is owed), refuses a second outcome with 409 and a promise without its day with 400', async () => {
    // Manager B's attempt on this task was refused above, so it is still open.
    const path = `/api/tasks/${taskId(k1, '2026-06-30#playbook:visit#managerB')}`;
    const promised = await call('managerA', 'POST', path, { kind: 'promise-to-pay', promisedOn: '2099-01-15', note: 'pays after the board meets' });
    expect(promised.status).toBe(200);
    expect((await call('managerA', 'POST', path, { kind: 'reached' })).status).toBe(409);
    expect((await call('managerA', 'POST', `/api/tasks/${taskId(k1, '2026-06-30#playbook:visit#operator')}`, { kind: 'promise-to-pay' })).status).toBe(400);
    const c360 = JSON.parse((await call('managerA', 'GET', `/api/customers/${k1}`)).text) as { tasks: { id: string; status: string }[]; audit: { action: string }[]; holds: unknown[] };
    expect(c360.holds).toEqual([]);
    expect(c360.tasks.find((t) => path.endsWith(encodeURIComponent(t.id)) || path.endsWith(t.id))?.status).toBe('closed');
    expect(c360.audit.map((a) => a.action)).toContain('task.outcome');
  });
});
