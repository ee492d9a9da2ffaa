import { idToken } from './auth.ts';

/** An API answer other than 2xx: 401 sends the user to sign in again, 403 shows "no access". */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** A request with the caller's token; a non-2xx answer becomes an ApiError with the API's message. */
async function request(method: string, path: string, body?: unknown): Promise<Response> {
  const token = idToken();
  if (!token) throw new ApiError(401, 'not signed in');
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new ApiError(res.status, ((await res.json().catch(() => ({}))) as { message?: string }).message ?? `HTTP ${res.status}`);
  return res;
}

const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => (await (await request(method, path, body)).json()) as T;

/** Fetches a file with the caller's token and hands it to the browser as a download (links cannot carry the token). */
async function download(path: string): Promise<void> {
  const res = await request('GET', path);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'download';
  const href = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

export const api = {
  download,
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body: unknown) => call<T>('POST', path, body),
};
