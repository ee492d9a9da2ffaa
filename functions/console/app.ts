import { Hono } from 'hono';
import type { Context } from 'hono';
import { callerFromClaims, Forbidden, type Caller } from '../../domain/console/caller.ts';
import type { TokenVerifier } from './auth.ts';
import { customer360, portfolio, type ConsoleReadPorts } from '../../domain/console/read-models.ts';

type Env = { Variables: { caller: Caller } };

/** What the console API needs; the handler wires the real adapters, tests may wire others. */
export interface ConsoleDeps {
  verify: TokenVerifier;
  read: ConsoleReadPorts;
  /** Today's local day in the utility's zone (the "as of" of arrears figures). */
  today: () => string;
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
    throw err;
  });
  app.get('/api/me', (c) => {
    const caller = c.get('caller');
    return c.json({ sub: caller.sub, email: caller.email, groups: caller.groups, regions: caller.regions });
  });
  app.get('/api/customers', async (c) => c.json({ customers: await portfolio(deps.read, c.get('caller'), deps.today()) }));
  app.get('/api/customers/:id', async (c) => c.json(await customer360(deps.read, c.get('caller'), c.req.param('id'), deps.today())));
  app.notFound((c) => c.json({ message: 'Not Found' }, 404));
  return app;
}
