/**
 * cognito-local on 127.0.0.1, assembled in-process from its parts (as its own `createDefaultServer` does) so that
 * its data lives in our data directory, its ports are chosen by the OS and its tokens name the address they are
 * verified at.
 *
 * cognito-local signs every token with the one RSA key it ships and serves it at `/<pool id>/.well-known/jwks.json`;
 * the `iss` of its tokens is `<TokenConfig.IssuerDomain>/<pool id>`. aws-jwt-verify fetches JWKS over HTTPS only
 * (its Node fetcher refuses `http:`), so the same app is served twice: plain HTTP for the Cognito API (the SDK
 * endpoint, like the other emulators) and HTTPS, with the loopback-only certificate in `loopback-tls/`, for the
 * issuer. IssuerDomain is set once that port is known: a local pool's issuer is `https://127.0.0.1:<port>/<pool id>`,
 * i.e. `https://` + its ProviderURL `127.0.0.1:<port>/<pool id>`, as `https://` + `cognito-idp.<region>.amazonaws.com/<pool id>`
 * is in AWS. Whoever verifies tokens trusts that certificate: functions through NODE_EXTRA_CA_CERTS, this process
 * through `trustLoopbackCertificate()`.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { RunningServer } from './running-server.ts';

/** A self-signed certificate for IP 127.0.0.1 (its key is in the repository: it protects nothing but loopback tests). */
export const LOOPBACK_CERT_FILE = fileURLToPath(new URL('./loopback-tls/cert.pem', import.meta.url));
const LOOPBACK_KEY_FILE = fileURLToPath(new URL('./loopback-tls/key.pem', import.meta.url));

/** Adds the loopback certificate to this process's trusted CAs (idempotent), so in-process verifiers reach the local issuer. */
export function trustLoopbackCertificate(): void {
  const cert = readFileSync(LOOPBACK_CERT_FILE, 'utf8');
  const current = getCACertificates('default');
  if (current.some((c) => c.trim() === cert.trim())) return;
  setDefaultCACertificates([...current, cert]);
}

export interface RunningCognito extends RunningServer {
  /** `https://127.0.0.1:<port>`: a pool's issuer is this + `/<pool id>`. */
  issuerBase: string;
}

const requireFromHere = createRequire(import.meta.url);
/** Its own modules and its own pino (a dependency of cognito-local, not of this project). */
const requireCognito = createRequire(requireFromHere.resolve('cognito-local'));

interface Ctx {
  logger: unknown;
}
type Factory = new (...args: unknown[]) => { create(ctx: Ctx, ...args: unknown[]): Promise<unknown> };
interface CognitoLocalModules {
  services: { DateClock: new () => unknown; TriggersService: new (...a: unknown[]) => unknown; LambdaService: new (...a: unknown[]) => unknown; MessagesService: new (...a: unknown[]) => unknown };
  cognitoService: { CognitoServiceFactoryImpl: Factory };
  userPoolService: { UserPoolServiceFactoryImpl: new (...a: unknown[]) => unknown };
  stormDb: { StormDBDataStoreFactory: new (dir: string) => unknown };
  crypto: { CryptoService: new (config: unknown) => unknown };
  messageDelivery: { MessageDeliveryService: new (sender: unknown) => unknown };
  consoleMessageSender: { ConsoleMessageSender: new () => unknown };
  otp: { otp: () => string };
  tokenGenerator: { JwtTokenGenerator: new (clock: unknown, triggers: unknown, config: { IssuerDomain: string }) => unknown };
  config: { DefaultConfig: Record<string, unknown> & { UserPoolDefaults: unknown } };
  router: { Router: (services: unknown) => unknown };
  server: { createServer: (router: unknown, logger: unknown, options: unknown, services: unknown) => { application: unknown } };
}

function load(): CognitoLocalModules {
  // It loads aws-sdk v2 (for Lambda triggers, unused here), which prints an end-of-support notice on every start.
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';
  const lib = (path: string) => requireCognito(`./${path}`) as never;
  return {
    services: lib('services/index.js'),
    cognitoService: lib('services/cognitoService.js'),
    userPoolService: lib('services/userPoolService.js'),
    stormDb: lib('services/dataStore/stormDb.js'),
    crypto: lib('services/crypto.js'),
    messageDelivery: lib('services/messageDelivery/messageDelivery.js'),
    consoleMessageSender: lib('services/messageDelivery/consoleMessageSender.js'),
    otp: lib('services/otp.js'),
    tokenGenerator: lib('services/tokenGenerator.js'),
    config: lib('server/config.js'),
    router: lib('server/Router.js'),
    server: lib('server/server.js'),
  };
}

/** Starts cognito-local with its state (pools, clients, users) in `dataDir`. */
export async function startCognito(dataDir: string): Promise<RunningCognito> {
  const m = load();
  const pino = requireCognito('pino') as (options: { level: string }) => { child: unknown };
  // Its request log would print user names and tokens; nothing of it is needed.
  const logger = pino({ level: 'silent' });
  const ctx: Ctx = { logger };
  const config = m.config.DefaultConfig;
  const tokenConfig = { IssuerDomain: '' };
  const clock = new m.services.DateClock();
  const dataStoreFactory = new m.stormDb.StormDBDataStoreFactory(dataDir);
  const cognitoServiceFactory = new m.cognitoService.CognitoServiceFactoryImpl(dataDir, dataStoreFactory, new m.userPoolService.UserPoolServiceFactoryImpl(clock, dataStoreFactory));
  const cognito = await cognitoServiceFactory.create(ctx, config.UserPoolDefaults);
  // No Lambda triggers are configured, so neither the Lambda nor the KMS client is ever called.
  const triggers = new m.services.TriggersService(clock, cognito, new m.services.LambdaService({}, undefined), new m.crypto.CryptoService(undefined));
  const services = {
    clock,
    cognito,
    config: { ...config, TokenConfig: tokenConfig },
    messages: new m.services.MessagesService(triggers, new m.messageDelivery.MessageDeliveryService(new m.consoleMessageSender.ConsoleMessageSender())),
    otp: m.otp.otp,
    tokenGenerator: new m.tokenGenerator.JwtTokenGenerator(clock, triggers, tokenConfig),
    triggers,
  };
  const app = m.server.createServer(m.router.Router(services), logger, { development: false, https: false }, services).application as Parameters<typeof createHttpServer>[1];
  const listen = (server: Server): Promise<string> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`));
    });
  const http = createHttpServer(app);
  const https = createHttpsServer({ key: readFileSync(LOOPBACK_KEY_FILE), cert: readFileSync(LOOPBACK_CERT_FILE) }, app);
  const close = (server: Server) =>
    new Promise<void>((resolve, reject) => {
      if (!server.listening) return resolve();
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    });
  try {
    const [httpHost, httpsHost] = await Promise.all([listen(http), listen(https)]);
    // Read at each token's signing, so setting it now gives every token this server's issuer.
    tokenConfig.IssuerDomain = `https://${httpsHost}`;
    return {
      url: `http://${httpHost}`,
      issuerBase: tokenConfig.IssuerDomain,
      stop: async () => {
        await Promise.all([close(http), close(https)]);
      },
    };
  } catch (err) {
    await Promise.all([close(http), close(https)]);
    throw err;
  }
}
