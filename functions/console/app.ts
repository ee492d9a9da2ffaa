import { Hono } from 'hono';
import type { Context } from 'hono';
import { callerFromClaims, Forbidden, type Caller } from '../../domain/console/caller.ts';
import type { TokenVerifier } from './auth.ts';
import { customer360, portfolio, statementHtml, type ConsoleReadPorts } from '../../domain/console/read-models.ts';
import type { RenderOptions } from '../../domain/statements/render-email.ts';
import { Conflict, Invalid, NotFound, type ConsolePorts, type TaskOutcome } from '../../domain/console/ports.ts';
import { listTasks, recordOutcome } from '../../domain/console/tasks.ts';
import { decideDisconnection, listApprovals, recommendDisconnection } from '../../domain/console/approvals.ts';
import { customerAudit } from '../../domain/console/audit.ts';
import { kpis } from '../../domain/console/kpis.ts';

type Env = { Variables: { caller: Caller } };

/** A request the API cannot read (body not JSON, a parameter out of range): 400. */
class BadRequest extends Error {
  override name = 'BadRequest';
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new BadRequest('the body must be JSON');
  }
}

/** What the console API needs; the handler wires the real adapters, tests may wire others. */
export interface ConsoleDeps {
  verify: TokenVerifier;
  read: ConsoleReadPorts;
  /** The workflows' stores (tasks, approvals, audit, KPIs). */
  work: ConsolePorts;
  /** Today's local day in the utility's zone (the "as of" of arrears figures). */
  today: () => string;
  /** How statements were rendered for email (the utility's name in both locales). */
  render: RenderOptions;
}

/**
 * The console's HTTP API (Hono): every /api route needs a valid ID token of the user pool (401 otherwise, as the
 * API Gateway JWT authorizer answers in AWS) naming a known group (403 otherwise); access to data is decided by the
 * use cases (domain/console), and a denial is a 403 with no data.
 */
export function consoleApi(deps: ConsoleDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use('/api/*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) return c.json({ message: 'Unauthorized' }, 401);
    let claims: Record<string, unknown>;
    try {
      claims = await deps.verify(m[1]!);
    } catch {
      return c.json({ message: 'Unauthorized' }, 401);
    }
    const caller = callerFromClaims(claims);
    if (!caller) return c.json({ message: 'Forbidden' }, 403);
    c.set('caller', caller);
    await next();
  });
  app.onError((err, c: Context) => {
    if (err instanceof Forbidden) return c.json({ message: 'Forbidden' }, 403);
    // The use cases' messages name ids and dates the caller may see, never other customers' data.
    if (err instanceof NotFound) return c.json({ message: err.message }, 404);
    if (err instanceof Conflict) return c.json({ message: err.message }, 409);
    if (err instanceof Invalid || err instanceof BadRequest) return c.json({ message: err.message }, 400);
    throw err;
  });
  const tasks = listTasks(deps.work);
  const outcome = recordOutcome(deps.work);
  const approvals = listApprovals(deps.work);
  const recommend = recommendDisconnection(deps.work);
  const decide = decideDisconnection(deps.work);
  const audit = customerAudit(deps.work);
  const report = kpis(deps.work);
  app.get('/api/me', (c) => {
    const caller = c.get('caller');
    return c.json({ sub: caller.sub, email: caller.email, groups: caller.groups, regions: caller.regions });
  });
  app.get('/api/customers', async (c) => c.json({ customers: await portfolio(deps.read, c.get('caller'), deps.today()) }));
  app.get('/api/customers/:id', async (c) => {
    const caller = c.get('caller');
    const id = c.req.param('id');
    // The 360 decides access first: nothing else is read for a customer the caller may not see.
    const view = await customer360(deps.read, caller, id, deps.today());
    const [customerTasks, customerApprovals, changes] = await Promise.all([tasks(caller, { customerId: id }), approvals(caller, { customerId: id }), audit(caller, id)]);
    return c.json({ ...view, tasks: customerTasks, approvals: customerApprovals, audit: changes });
  });
  app.get('/api/customers/:id/statements/:period/html', async (c) => {
    const v = c.req.query('version');
    if (v !== undefined && !/^[1-9]\d{0,3}$/.test(v)) throw new BadRequest('version must be a positive integer');
    const found = await statementHtml(deps.read, c.get('caller'), c.req.param('id'), c.req.param('period'), v === undefined ? undefined : Number(v), deps.render);
    if (!found) throw new NotFound(`no statement ${c.req.param('period')}${v ? ` version ${v}` : ''}`);
    // Served as a download: the email's inline styles need no script, and nothing of it runs in the console's origin.
    return c.body(found.html, 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-disposition': `attachment; filename="${found.fileName}"`,
      'content-security-policy': "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
      'x-content-type-options': 'nosniff',
    });
  });
  app.get('/api/tasks', async (c) => {
    const status = c.req.query('status');
    if (status !== undefined && status !== 'open' && status !== 'closed') throw new BadRequest('status must be open or closed');
    const customerId = c.req.query('customer');
    return c.json({ tasks: await tasks(c.get('caller'), { ...(status ? { status } : {}), ...(customerId ? { customerId } : {}) }) });
  });
  app.post('/api/tasks/:id', async (c) => c.json(await outcome(c.get('caller'), c.req.param('id'), (await jsonBody(c)) as TaskOutcome)));
  app.get('/api/approvals', async (c) => {
    const customerId = c.req.query('customer');
    return c.json({ approvals: await approvals(c.get('caller'), customerId ? { customerId } : {}) });
  });
  app.post('/api/approvals/:id', async (c) => {
    const caller = c.get('caller');
    const body = (await jsonBody(c)) as { verdict?: unknown; reason?: unknown; as?: unknown };
    if (body.verdict !== 'approve' && body.verdict !== 'reject') throw new BadRequest('verdict must be approve or reject');
    if (typeof body.reason !== 'string') throw new BadRequest('a reason is required');
    // Supervisors decide; the customer's manager recommends. One who is both says which with "as".
    const as = body.as ?? (caller.groups.includes('supervisors') ? 'decision' : 'recommendation');
    if (as === 'decision') return c.json(await decide(caller, c.req.param('id'), { verdict: body.verdict === 'approve' ? 'approved' : 'rejected', reason: body.reason }));
    if (as === 'recommendation') return c.json(await recommend(caller, c.req.param('id'), { verdict: body.verdict, reason: body.reason }));
    throw new BadRequest('as must be recommendation or decision');
  });
  app.get('/api/kpis', async (c) => {
    const period = c.req.query('period') ?? deps.today().slice(0, 7);
    return c.json(await report(c.get('caller'), period));
  });
  app.notFound((c) => c.json({ message: 'Not Found' }, 404));
  return app;
}
