import type { FastifyReply } from 'fastify';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1f2328;margin:0;padding:24px 12px}
main{max-width:420px;margin:0 auto;background:#fff;border-radius:10px;padding:24px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.3rem;margin:0 0 16px}label{display:block;margin:12px 0 4px;font-weight:600}
input[type=email],input[type=password],input[type=text],textarea,select{width:100%;box-sizing:border-box;padding:10px;font-size:1rem;border:1px solid #c9ccd1;border-radius:6px}
button{padding:10px 18px;font-size:1rem;border-radius:6px;border:1px solid #1f6feb;background:#1f6feb;color:#fff;margin-top:16px;cursor:pointer}
button.secondary{background:#fff;color:#1f2328;border-color:#c9ccd1}.error{color:#b42318}.notice{color:#1a7f37}
ul{padding-left:20px}li{margin:6px 0}.small{font-size:.9rem;color:#57606a}form.inline{display:inline}`;

/** docs/oauth.md#login-and-consent-pages: every page carries these headers; form-action also admits the client's origin on consent. */
export function sendPage(reply: FastifyReply, status: number, title: string, body: string, formActionOrigin: string | null = null): FastifyReply {
  const formAction = formActionOrigin ? `'self' ${formActionOrigin}` : `'self'`;
  return reply
    .code(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .header('X-Frame-Options', 'DENY')
    .header('Referrer-Policy', 'no-referrer')
    .header(
      'Content-Security-Policy',
      `default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    )
    .send(
      `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`,
    );
}

export function sendMessagePage(reply: FastifyReply, status: number, message: string): FastifyReply {
  return sendPage(reply, status, 'Flextell', `<h1>Flextell</h1><p class="error">${escapeHtml(message)}</p>`);
}

export const PAGE_MESSAGES = {
  csrf: 'This form has expired. Go back, reload the page and try again.',
  unknownClient: 'This application is not known.',
  unknownRedirect: 'The redirect URI is not registered for this application.',
  expiredRequest: 'This authorization request has expired. Start again from the application.',
  badCredentials: 'These credentials do not match our records.',
  signedIn: 'You are signed in.',
  badDecision: 'Choose Allow or Deny.',
} as const;

export function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}
