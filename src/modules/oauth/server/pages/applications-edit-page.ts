import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../../../app-deps.js';
import { AppError } from '../../../../platform/errors.js';
import { SCOPES, type Scope } from '../../scopes.js';
import { findApplication, newClientSecret, updateApplication, type ApplicationRecord } from '../../applications/application.repository.js';
import { readApplicationForm } from './application-form.js';
import { PAGE, chosenTenant, render, signedIn } from './applications-page.js';
import { checkCsrf, type BrowserSession } from './browser-session.js';
import { PAGE_MESSAGES, escapeHtml, hidden, sendMessagePage, sendPage } from './html.js';

const FORBIDDEN = 'You may not manage applications in this organisation.';
const NOT_FOUND = 'Application not found.';

type Target = { tenantId: number; application: ApplicationRecord } | { status: number; message: string };

/** The application named by tenant_id and id, when the user may manage applications in that tenant. */
async function target(deps: AppDeps, session: BrowserSession, fields: URLSearchParams): Promise<Target> {
  const tenantId = await chosenTenant(deps, session, fields);
  if (tenantId === null) return { status: 403, message: FORBIDDEN };
  const id = Number(fields.get('id'));
  try {
    return { tenantId, application: await findApplication(deps.db, tenantId, Number.isSafeInteger(id) && id > 0 ? id : null) };
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') return { status: 404, message: NOT_FOUND };
    throw error;
  }
}

interface EditValues {
  name: string;
  redirectUris: string[];
  scopes: readonly Scope[];
}

function renderEdit(
  reply: FastifyReply,
  session: BrowserSession,
  status: number,
  tenantId: number,
  application: ApplicationRecord,
  values: EditValues,
  errors: string[] = [],
): FastifyReply {
  const ids = hidden('_csrf', session.csrfToken) + hidden('tenant_id', String(tenantId)) + hidden('id', String(application.id));
  const errorList = errors.length ? `<ul class="error" role="alert">${errors.map((error) => `<li>${escapeHtml(error)}</li>`).join('')}</ul>` : '';
  const scopes = SCOPES.map(
    (scope) => `<label><input type="checkbox" name="scopes" value="${scope}"${values.scopes.includes(scope) ? ' checked' : ''}> ${scope}</label>`,
  ).join('');
  const secret = application.confidential
    ? `<h2>Client secret</h2><p class="small">A new secret replaces the old one at once; tokens already issued stay valid.</p>
<form method="post" action="${PAGE}/secret">${ids}<button type="submit" class="secondary">Regenerate secret</button></form>`
    : '<p class="small">A public client has no secret: it uses PKCE.</p>';
  return sendPage(
    reply,
    status,
    'Edit application — Flextell',
    `<h1>Edit application</h1>${errorList}
<p class="small">client_id <code>${escapeHtml(application.client_id)}</code> (${application.confidential ? 'confidential' : 'public'})</p>
<form method="post" action="${PAGE}/edit">${ids}
<label for="name">Name</label><input type="text" id="name" name="name" maxlength="255" required value="${escapeHtml(values.name)}">
<label for="redirect_uris">Redirect URIs (one per line)</label><textarea id="redirect_uris" name="redirect_uris" rows="3" cols="40">${escapeHtml(values.redirectUris.join('\n'))}</textarea>
<fieldset><legend>Scopes</legend>${scopes}</fieldset>
<button type="submit">Save</button></form>
${secret}
<p><a href="${PAGE}">Back to applications</a></p>`,
  );
}

/** GET /oauth/applications/edit?tenant_id=…&id=… */
export async function showEdit(deps: AppDeps, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const session = await signedIn(deps, request, reply);
  if (!session) return reply;
  const found = await target(deps, session, new URLSearchParams(request.query as Record<string, string>));
  if ('status' in found) return sendMessagePage(reply, found.status, found.message);
  const { application } = found;
  return renderEdit(reply, session, 200, found.tenantId, application, {
    name: application.name,
    redirectUris: application.redirect_uris,
    scopes: application.scopes,
  });
}

/** POST /oauth/applications/edit: name, redirect URIs and scopes, with the rules and messages of PUT /api/v1/applications/{id}. */
export async function editFromPage(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, form: URLSearchParams): Promise<FastifyReply> {
  const session = await checkCsrf(deps, request, form);
  if (!session) return sendMessagePage(reply, 403, PAGE_MESSAGES.csrf);
  if (session.userId === null) return reply.code(302).header('Location', '/oauth/login').send('');
  const found = await target(deps, session, form);
  if ('status' in found) return sendMessagePage(reply, found.status, found.message);
  const { name, redirectUris, scopes, errors } = readApplicationForm(form, found.application.confidential);
  if (errors.length > 0) return renderEdit(reply, session, 422, found.tenantId, found.application, { name, redirectUris, scopes }, errors);
  await updateApplication(deps.db, found.application, found.tenantId, { name, redirectUris, scopes }, deps.clock.now());
  return reply.code(303).header('Location', PAGE).send('');
}

/** POST /oauth/applications/secret: a new secret for a confidential application, shown in this answer only. */
export async function regenerateFromPage(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, form: URLSearchParams): Promise<FastifyReply> {
  const session = await checkCsrf(deps, request, form);
  if (!session) return sendMessagePage(reply, 403, PAGE_MESSAGES.csrf);
  if (session.userId === null) return reply.code(302).header('Location', '/oauth/login').send('');
  const found = await target(deps, session, form);
  if ('status' in found) return sendMessagePage(reply, found.status, found.message);
  if (!found.application.confidential) return sendMessagePage(reply, 422, 'A public application has no client secret.');
  const secret = newClientSecret();
  const application = await updateApplication(deps.db, found.application, found.tenantId, { secret }, deps.clock.now());
  return render(deps, reply, session, 200, { regenerated: { clientId: application.client_id, secret, name: application.name } });
}
