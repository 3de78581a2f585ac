import { useEffect, useState } from 'preact/hooks';
import { ApiError, isSignedOut } from '../api.js';
import { finishSignIn, signOut, startSignIn } from '../auth.js';
import { navigate, onNavigate, parseRoute, routePath, type Route } from '../route.js';
import { api, tokens } from '../session.js';
import { REFRESH_KEY } from '../state/tokens.js';
import type { Tenant } from '../state/types.js';
import { Inbox } from './inbox.js';
import { showToast, Toasts } from './toasts.js';

const TENANT_KEY = 'flextell.inbox.tenant';

type Phase =
  | { kind: 'loading' }
  | { kind: 'failed'; description: string | null }
  | { kind: 'unreachable' }
  | { kind: 'signed-out' }
  | { kind: 'ready'; tenants: Tenant[] };

function currentRoute(): Route {
  return parseRoute(location.pathname, location.search);
}

function currentPath(): string {
  return `${location.pathname}${location.search}`;
}

/** Sign-in, the tenants, and the address (docs/inbox.md#sign-in, #tenants-addresses-permissions). */
export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [route, setRoute] = useState<Route>(currentRoute);

  /** Reads the tenants; `quiet` keeps the current screen meanwhile (a re-check while working, not a start). */
  const loadTenants = async (quiet = false) => {
    if (!quiet) setPhase({ kind: 'loading' });
    try {
      const answer = await api.request<{ data: Tenant[] }>('GET', '/account/tenants');
      setPhase({ kind: 'ready', tenants: answer.data });
    } catch (error) {
      if (isSignedOut(error)) void startSignIn(currentPath());
      else if (error instanceof ApiError && error.status === 0) setPhase({ kind: 'unreachable' });
      else setPhase({ kind: 'failed', description: error instanceof Error ? error.message : null });
    }
  };

  useEffect(() => {
    const start = async () => {
      if (route.callback) {
        const result = await finishSignIn(tokens, location.search);
        if (!result.ok) return setPhase({ kind: 'failed', description: result.description });
        navigate(result.path.startsWith('/app/t/') ? result.path : '/app/', true);
      } else if (!tokens.hasRefreshToken()) {
        return startSignIn(currentPath());
      }
      await loadTenants();
    };
    void start();
    const unsubscribe = onNavigate(() => setRoute(currentRoute()));
    // Sign-out in another tab removes the refresh token: this tab is signed out too (docs/inbox.md#edge-cases).
    const onStorage = (event: StorageEvent) => {
      if ((event.key === REFRESH_KEY || event.key === null) && !tokens.hasRefreshToken()) setPhase({ kind: 'signed-out' });
    };
    api.onForbiddenTenant = () => void loadTenants(true);
    api.onRateLimited = (message) => showToast('error', message);
    window.addEventListener('storage', onStorage);
    return () => {
      unsubscribe();
      window.removeEventListener('storage', onStorage);
    };
  }, []);

  // `/app` goes to the last tenant used when still listed, else the first.
  useEffect(() => {
    if (phase.kind !== 'ready' || route.tenantId !== null || phase.tenants.length === 0) return;
    const remembered = Number(localStorage.getItem(TENANT_KEY));
    const tenant = phase.tenants.find((item) => item.id === remembered) ?? phase.tenants[0]!;
    navigate(routePath({ tenantId: tenant.id, conversationId: null, search: '', channelType: '' }), true);
  }, [phase, route.tenantId]);

  return (
    <>
      <Screen phase={phase} route={route} retry={loadTenants} />
      <Toasts />
    </>
  );
}

function Screen(props: { phase: Phase; route: Route; retry: (quiet?: boolean) => void }) {
  const { phase, route } = props;
  if (phase.kind === 'loading') return <FullPage title="Inbox" text="Signing in…" busy />;
  if (phase.kind === 'failed') {
    return (
      <FullPage title="Sign-in failed" text={phase.description ?? undefined}>
        <button type="button" onClick={() => void startSignIn('/app/')}>
          Sign in again
        </button>
      </FullPage>
    );
  }
  if (phase.kind === 'unreachable') {
    return (
      <FullPage title="Cannot reach the server.">
        <button type="button" onClick={() => props.retry()}>
          Retry
        </button>
      </FullPage>
    );
  }
  if (phase.kind === 'signed-out') {
    return (
      <FullPage title="You are signed out." text="You signed out in another tab.">
        <button type="button" onClick={() => void startSignIn(currentPath())}>
          Sign in again
        </button>
      </FullPage>
    );
  }
  if (phase.tenants.length === 0) {
    return (
      <FullPage title="Inbox" text="Your account has no active organisation.">
        <button type="button" onClick={() => void signOut(tokens)}>
          Sign out
        </button>
      </FullPage>
    );
  }
  if (route.tenantId === null) return <FullPage title="Inbox" text="Opening your inbox…" busy />;
  const tenant = phase.tenants.find((item) => item.id === route.tenantId);
  if (!tenant) {
    return (
      <FullPage title="Inbox" text="You do not have access to this organisation.">
        <ul class="tenant-links">
          {phase.tenants.map((item) => (
            <li key={item.id}>
              <a href={`/app/t/${item.id}`}>{item.name}</a>
            </li>
          ))}
        </ul>
      </FullPage>
    );
  }
  localStorage.setItem(TENANT_KEY, String(tenant.id));
  return <Inbox key={tenant.id} tenant={tenant} tenants={phase.tenants} route={route} onAccessChanged={() => props.retry(true)} />;
}

function FullPage(props: { title: string; text?: string; busy?: boolean; children?: preact.ComponentChildren }) {
  return (
    <main class="full-page" aria-busy={props.busy ? 'true' : undefined}>
      <h1>{props.title}</h1>
      {props.text ? <p role={props.busy ? 'status' : undefined}>{props.text}</p> : null}
      {props.children}
    </main>
  );
}
