/**
 * Staff users of the console on the local stack's user pool (cognito-local): created as an administrator creates them
 * in AWS (AdminCreateUser with a verified email, no invitation mail, a permanent password, groups, `custom:regions`
 * for supervisors), and signed in as the local console's sign-in page does (InitiateAuth USER_PASSWORD_AUTH), which
 * returns the pool's ID token, the one the console API verifies.
 */
import { randomInt } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Group } from '../domain/console/caller.ts';
import type { LocalApp } from './app.ts';

/** Where the local console's users live: the pool and app client provisioned from the templates. */
export interface LocalConsolePool {
  /** The Cognito API (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER). */
  endpoint: string;
  region: string;
  userPoolId: string;
  clientId: string;
  /** `https://127.0.0.1:<port>/<pool id>`: its tokens' `iss`, and ConsoleApi's CONSOLE_ISSUER. */
  issuer: string;
}

export interface ConsoleUser {
  email: string;
  password: string;
  groups: readonly Group[];
  /** Supervisors' regions, stored comma-separated in `custom:regions`. */
  regions?: readonly string[];
}

/** The console pool of a running local app (logical ids ConsoleUserPool and ConsoleClient). */
export function consolePool(app: LocalApp): LocalConsolePool {
  const pool = app.resources.find('ConsoleUserPool', { type: 'AWS::Cognito::UserPool' });
  const client = app.resources.find('ConsoleClient', { type: 'AWS::Cognito::UserPoolClient' });
  return {
    endpoint: app.aws.endpoints.cognito,
    region: app.aws.region,
    userPoolId: pool.ref,
    clientId: client.ref,
    issuer: `https://${pool.attributes.ProviderURL}`,
  };
}

function client(pool: LocalConsolePool, credentials: { accessKeyId: string; secretAccessKey: string }): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({ endpoint: pool.endpoint, region: pool.region, credentials });
}

/** Any key pair: cognito-local checks no signature, and InitiateAuth is unauthenticated in AWS too. */
const LOCAL_KEYS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Creates each user (or, on a persistent stack, updates the existing one): verified email, permanent password, the
 * groups, and `custom:regions` when regions are given. Returns each user's `sub`.
 */
export async function createConsoleUsers(pool: LocalConsolePool, users: readonly ConsoleUser[]): Promise<Map<string, string>> {
  const cognito = client(pool, LOCAL_KEYS);
  const subs = new Map<string, string>();
  try {
    for (const user of users) {
      const attributes = [
        { Name: 'email', Value: user.email },
        { Name: 'email_verified', Value: 'true' },
        ...(user.regions?.length ? [{ Name: 'custom:regions', Value: user.regions.join(',') }] : []),
      ];
      let sub: string | undefined;
      try {
        const created = await cognito.send(
          new AdminCreateUserCommand({ UserPoolId: pool.userPoolId, Username: user.email, UserAttributes: attributes, MessageAction: 'SUPPRESS' }),
        );
        sub = created.User?.Attributes?.find((a) => a.Name === 'sub')?.Value;
      } catch (err) {
        if ((err as { name?: string }).name !== 'UsernameExistsException') throw err;
        await cognito.send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.userPoolId, Username: user.email, UserAttributes: attributes }));
      }
      await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: pool.userPoolId, Username: user.email, Password: user.password, Permanent: true }));
      for (const group of user.groups) {
        await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.userPoolId, Username: user.email, GroupName: group }));
      }
      if (sub) subs.set(user.email, sub);
    }
    return subs;
  } finally {
    cognito.destroy();
  }
}

/** Signs in with USER_PASSWORD_AUTH (the app client allows it with `-c consolePasswordAuth=true`, as the local stack synthesizes) and returns the ID token. */
export async function signIn(pool: LocalConsolePool, email: string, password: string, clientId: string = pool.clientId): Promise<string> {
  const cognito = client(pool, LOCAL_KEYS);
  try {
    const out = await cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }));
    const token = out.AuthenticationResult?.IdToken;
    if (!token) throw new Error(`sign-in returned no ID token${out.ChallengeName ? ` (challenge ${out.ChallengeName})` : ''}`);
    return token;
  } finally {
    cognito.destroy();
  }
}

/**
 * A password for local use only that meets the pool's policy (12+ characters with lower and upper case, digits and
 * symbols), e.g. for `kam console` to print. cognito-local does not check the policy itself.
 */
export function localPassword(): string {
  const sets = ['abcdefghijkmnopqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '!#%+-=?@^_'];
  const all = sets.join('');
  const chars = [...sets.map((s) => s[randomInt(s.length)]!), ...Array.from({ length: 12 }, () => all[randomInt(all.length)]!)];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
