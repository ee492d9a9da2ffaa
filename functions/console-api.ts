import { handle } from 'hono/aws-lambda';
import { ENV } from '../contracts/settings.ts';
import { loadConfig } from './commons/config.ts';
import { consoleApi } from './console/app.ts';
import { tokenVerifier } from './console/auth.ts';
import { makeClients } from './commons/clients.ts';
import { now } from './commons/clock.ts';
import { consolePorts, consoleReadPorts, stores } from './adapters/ports.ts';
import { localDayOf } from '../domain/time/zone.ts';

/** The console's HTTP API behind API Gateway (HTTP API, payload 2.0): one function, routed by Hono. */
const config = loadConfig();
if (!config.console) throw new Error(`${ENV.consoleIssuer} and ${ENV.consoleClientId} must be set for the console API`);

const s = stores(makeClients(), config.tableName);
export const app = consoleApi({
  verify: tokenVerifier(config.console.issuer, config.console.clientId),
  read: consoleReadPorts(s),
  work: consolePorts(s, config.domain.timeZone),
  today: () => localDayOf(now(), config.domain.timeZone),
  render: { utilityName: config.utilityName },
});
export const handler = handle(app);
