import { createHarness, type Harness } from './harness.js';

/** A minimal browser over real HTTP: one cookie jar, no automatic redirects, so every hop is asserted. */
export class TestBrowser {
  private cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      this.cookies.set(name!.trim(), value.join('='));
    }
  }

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  async get(path: string): Promise<{ response: Response; html: string }> {
    const response = await fetch(new URL(path, this.base), { redirect: 'manual', headers: this.cookieHeader() });
    this.remember(response);
    return { response, html: await response.text() };
  }

  async post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<{ response: Response; html: string }> {
    const response = await fetch(new URL(path, this.base), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.cookieHeader(), ...headers },
      body: new URLSearchParams(fields).toString(),
    });
    this.remember(response);
    return { response, html: await response.text() };
  }
}

/** The value of a hidden input in a page. */
export function hiddenValue(html: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  if (!match) throw new Error(`No hidden input ${name} in: ${html.slice(0, 500)}`);
  return match[1]!
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#39;/g, "'");
}

/** Starts the harness app on an ephemeral loopback port; returns its base URL. */
export async function listen(h: Harness): Promise<string> {
  const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
  return address;
}

/** A file's harness listening on a free port, and its base URL: the browser-flow tests drive it with fetch. */
export async function listeningHarness(): Promise<{ h: Harness; base: string }> {
  const h = await createHarness();
  return { h, base: await listen(h) };
}

/** Logs a browser in through the login form (from a return_to), answering the final response. */
export async function logIn(browser: TestBrowser, email: string, password: string, returnTo = ''): Promise<Response> {
  const page = await browser.get(`/oauth/login${returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`);
  const { response } = await browser.post('/oauth/login', {
    email,
    password,
    _csrf: hiddenValue(page.html, '_csrf'),
    return_to: hiddenValue(page.html, 'return_to'),
  });
  return response;
}
