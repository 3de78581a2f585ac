/** The inbox's addresses (docs/inbox.md#tenants-addresses-permissions): /app/t/{tenant}[/c/{conversation}]?q=&channel=. */
export interface Route {
  tenantId: number | null;
  conversationId: number | null;
  search: string;
  channelType: string;
  callback: boolean;
}

export function parseRoute(pathname: string, search: string): Route {
  const query = new URLSearchParams(search);
  const match = /^\/app\/t\/(\d{1,15})(?:\/c\/(\d{1,15}))?\/?$/.exec(pathname);
  return {
    tenantId: match ? Number(match[1]) : null,
    conversationId: match?.[2] ? Number(match[2]) : null,
    search: query.get('q') ?? '',
    channelType: query.get('channel') ?? '',
    callback: /^\/app\/callback\/?$/.test(pathname),
  };
}

export function routePath(route: Pick<Route, 'tenantId' | 'conversationId' | 'search' | 'channelType'>): string {
  let path = `/app/t/${route.tenantId}`;
  if (route.conversationId !== null) path += `/c/${route.conversationId}`;
  const query = new URLSearchParams();
  if (route.search) query.set('q', route.search);
  if (route.channelType) query.set('channel', route.channelType);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

type Listener = () => void;
const listeners = new Set<Listener>();

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

export function onNavigate(listener: Listener): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}
