import { JwtRsaVerifier } from 'aws-jwt-verify';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';

/** Checks a bearer token: an ID token of the console's user pool, issued to its app client, signed by a key of the pool's JWKS. */
export type TokenVerifier = (token: string) => Promise<Record<string, unknown>>;

/**
 * The one token check, in AWS and on the local stack: aws-jwt-verify against the pool's JWKS (`<issuer>/.well-known/jwks.json`),
 * the issuer and the audience (the app client id), and `token_use` = `id` (ID tokens carry the email and groups).
 * In AWS the issuer is https://cognito-idp.<region>.amazonaws.com/<pool id>; locally, the local pool's URL.
 */
export function tokenVerifier(issuer: string, clientId: string): TokenVerifier {
  const verifier = JwtRsaVerifier.create({
    issuer,
    audience: clientId,
    jwksUri: `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`,
    customJwtCheck: ({ payload }: { payload: JwtPayload }) => {
      if (payload.token_use !== 'id') throw new Error('not an ID token');
    },
  });
  return async (token) => (await verifier.verify(token)) as Record<string, unknown>;
}
