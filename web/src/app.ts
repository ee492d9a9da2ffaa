import { h, mount } from './dom.ts';
import { api, ApiError } from './api.ts';
import { completeHosted, idToken, signInHosted, signInLocal, signOut, type AuthConfig } from './auth.ts';
import { currentLocale, setLocale, t, type Locale } from './locale.ts';
import { portfolioPage } from './pages/portfolio.ts';
import { customerPage } from './pages/customer.ts';
import { tasksPage } from './pages/tasks.ts';
import { approvalsPage } from './pages/approvals.ts';
import { kpisPage } from './pages/kpis.ts';
import type { Me } from './types.ts';

/** The console shell: sign-in, navigation, locale switch and a hash router over the pages. */
export async function startApp(root: HTMLElement): Promise<void> {
  const config = (await (await fetch('config.json')).json()) as { auth: AuthConfig };
  setLocale(currentLocale());
  if (config.auth.mode === 'hosted') await completeHosted(config.auth);
  if (!idToken()) return signInPage(root, config.auth);
  let me: Me;
  try {
    me = await api.get<Me>('/api/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      signOut(config.auth);
      return;
    }
    mount(root, h('p', { class: 'error' }, err instanceof ApiError && err.status === 403 ? t('forbidden') : t('loadFailed', { reason: String((err as Error).message) })));
    return;
  }
  const main = h('main', { id: 'page' });
  const localeButton = (l: Locale, text: string) => h('button', { class: currentLocale() === l ? 'on' : undefined, 'data-locale': l, onclick: () => (setLocale(l), location.reload()) }, text);
  mount(root,
    h('header', {},
      h('strong', {}, t('consoleTitle')),
      h('nav', {},
        h('a', { href: '#/portfolio' }, t('navPortfolio')),
        h('a', { href: '#/tasks' }, t('navTasks')),
        h('a', { href: '#/approvals' }, t('navApprovals')),
        h('a', { href: '#/kpis' }, t('navKpis'))),
      h('span', { class: 'who', 'data-testid': 'who' }, t('signedInAs', { email: me.email, groups: me.groups.join(', ') })),
      localeButton('zh-CN', '中文'), localeButton('en', 'EN'),
      h('button', { onclick: () => signOut(config.auth) }, t('signOut'))),
    main);
  const route = async () => {
    const hash = location.hash.replace(/^#/, '') || '/portfolio';
    mount(main, h('p', { class: 'muted' }, t('loading')));
    try {
      const m = /^\/customers\/(.+)$/.exec(hash);
      if (m) await customerPage(main, decodeURIComponent(m[1]!));
      else if (hash === '/tasks') await tasksPage(main);
      else if (hash === '/approvals') await approvalsPage(main, me);
      else if (hash === '/kpis') await kpisPage(main);
      else await portfolioPage(main);
      main.setAttribute('data-ready', hash);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return signOut(config.auth);
      mount(main, h('p', { class: 'error', 'data-testid': 'error' }, err instanceof ApiError && err.status === 403 ? t('forbidden') : t('loadFailed', { reason: (err as Error).message })));
      main.setAttribute('data-ready', hash);
    }
  };
  addEventListener('hashchange', () => void route());
  await route();
}

function signInPage(root: HTMLElement, auth: AuthConfig): void {
  if (auth.mode === 'hosted') {
    mount(root, h('main', { class: 'signin' }, h('h1', {}, t('consoleTitle')), h('button', { onclick: () => void signInHosted(auth) }, t('signIn'))));
    return;
  }
  const error = h('p', { class: 'error', role: 'alert' });
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', {
    onsubmit: async (e: Event) => {
      e.preventDefault();
      error.textContent = '';
      try {
        await signInLocal(auth, email.value.trim(), password.value);
        location.reload();
      } catch (err) {
        error.textContent = t('signInFailed', { reason: (err as Error).message });
      }
    },
  },
    h('label', {}, t('signInEmail'), email),
    h('label', {}, t('signInPassword'), password),
    h('button', { type: 'submit' }, t('signIn')),
    error);
  mount(root, h('main', { class: 'signin' }, h('h1', {}, t('consoleTitle')), form));
}
