/**
 * Sign-in. Both ways end in a Cognito ID token kept for the tab's life (sessionStorage), sent as a bearer token and
 * checked by the API with the same verifier (functions/console/auth.ts):
 * - `hosted` (AWS): Cognito's managed login, authorization code + PKCE (S256); the code is exchanged at the
 *   domain's /oauth2/token endpoint from the browser (no client secret);
 * - `local` (the local stack, which has no hosted UI): a sign-in form that calls the local pool's InitiateAuth
 *   (USER_PASSWORD_AUTH) through the console server's /cognito/ path.
 */
export type AuthConfig =
  | { mode: 'local'; clientId: string; cognitoUrl: string }
  | { mode: 'hosted'; clientId: string; domain: string; redirectUri: string };

const TOKEN = 'kam.idToken';
const VERIFIER = 'kam.pkce';

export function idToken(): string | null {
  const token = sessionStorage.getItem(TOKEN);
  if (!token) return null;
  // An expired token would only be refused by the API: drop it now and sign in again.
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number };
    if (payload.exp && payload.exp * 1000 < Date.now() + 30_000) {
      sessionStorage.removeItem(TOKEN);
      return null;
    }
  } catch {
    sessionStorage.removeItem(TOKEN);
    return null;
  }
  return token;
}

export function signOut(config: AuthConfig): void {
  sessionStorage.removeItem(TOKEN);
  if (config.mode === 'hosted') location.assign(`https://${config.domain}/logout?client_id=${encodeURIComponent(config.clientId)}&logout_uri=${encodeURIComponent(config.redirectUri)}`);
  else location.reload();
}

/** Local pool: InitiateAuth with the user's email and password; resolves when the token is stored. */
export async function signInLocal(config: Extract<AuthConfig, { mode: 'local' }>, email: string, password: string): Promise<void> {
  const res = await fetch(config.cognitoUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
    body: JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: config.clientId, AuthParameters: { USERNAME: email, PASSWORD: password } }),
  });
  const body = (await res.json().catch(() => ({}))) as { AuthenticationResult?: { IdToken?: string }; message?: string; __type?: string };
  const token = body.AuthenticationResult?.IdToken;
  if (!res.ok || !token) throw new Error(body.message ?? body.__type ?? `HTTP ${res.status}`);
  sessionStorage.setItem(TOKEN, token);
}

const b64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Hosted UI: to Cognito's authorize endpoint with a fresh PKCE verifier and state. */
export async function signInHosted(config: Extract<AuthConfig, { mode: 'hosted' }>): Promise<void> {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(VERIFIER, JSON.stringify({ verifier, state }));
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const q = new URLSearchParams({
    response_type: 'code', client_id: config.clientId, redirect_uri: config.redirectUri, scope: 'openid email profile',
    code_challenge: challenge, code_challenge_method: 'S256', state,
  });
  location.assign(`https://${config.domain}/oauth2/authorize?${q}`);
}

/** Back from the hosted UI with ?code=…&state=…: exchanges the code for tokens. False when the URL has no code. */
export async function completeHosted(config: Extract<AuthConfig, { mode: 'hosted' }>): Promise<boolean> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (!code) return false;
  const saved = JSON.parse(sessionStorage.getItem(VERIFIER) ?? '{}') as { verifier?: string; state?: string };
  sessionStorage.removeItem(VERIFIER);
  if (!saved.verifier || saved.state !== params.get('state')) throw new Error('sign-in state does not match; start again');
  const res = await fetch(`https://${config.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: config.clientId, code, redirect_uri: config.redirectUri, code_verifier: saved.verifier }),
  });
  const body = (await res.json()) as { id_token?: string; error?: string };
  if (!res.ok || !body.id_token) throw new Error(body.error ?? `HTTP ${res.status}`);
  sessionStorage.setItem(TOKEN, body.id_token);
  history.replaceState(null, '', location.pathname + location.hash);
  return true;
}
