import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../../../app-deps.js';
import { AppError } from '../../../../platform/errors.js';
import { PERMISSIONS } from '../../../roles/permissions.js';
import { listTenantsWithPermission } from '../../../tenants/tenant.finder.js';
import { SCOPES } from '../../scopes.js';
import { readApplicationForm } from './application-form.js';
import {
  deleteApplication,
  findApplication,
  insertApplication,
  listApplicationsOfTenants,
  newClientSecret,
} from '../../applications/application.repository.js';
import { checkCsrf, loadSession, type BrowserSession } from './browser-session.js';
import { PAGE_MESSAGES, escapeHtml, hidden, sendMessagePage, sendPage } from './html.js';

const MANAGE_PERMISSION_ID = PERMISSIONS.indexOf('applications.manage') + 1;
export const PAGE = '/oauth/applications';

/** The tenants where the signed-in user may manage applications (the permission of docs/oauth.md#applications). */
export async function manageableTenants(deps: AppDeps, userId: number): Promise<Array<{ id: number; name: string }>> {
  return listTenantsWithPermission(deps.db, userId, MANAGE_PERMISSION_ID);
}

export interface PageState {
  errors?: string[];
  created?: { clientId: string; secret: string | null; name: string };
  /** A regenerated secret, shown in this answer only. */
  regenerated?: { clientId: string; secret: string; name: string };
}

function regeneratedNotice(state: PageState): string {
  if (!state.regenerated) return '';
  const { name, clientId, secret } = state.regenerated;
  return `<div class="notice" role="status"><p>New client secret of <strong>${escapeHtml(name)}</strong> (client_id <code>${escapeHtml(clientId)}</code>):</p>
<p>client_secret: <code>${escapeHtml(secret)}</code><br>Copy it now: it is shown only once. The old secret no longer works.</p></div>`;
}

export async function render(deps: AppDeps, reply: FastifyReply, session: BrowserSession, status: number, state: PageState = {}): Promise<FastifyReply> {
  const tenants = await manageableTenants(deps, session.userId!);
  const applications = await listApplicationsOfTenants(
    deps.db,
    tenants.map((tenant) => tenant.id),
  );
  const csrf = hidden('_csrf', session.csrfToken);
  const created = state.created
    ? `<div class="notice" role="status"><p>Application <strong>${escapeHtml(state.created.name)}</strong> created.</p>
<p>client_id: <code>${escapeHtml(state.created.clientId)}</code></p>
${state.created.secret ? `<p>client_secret: <code>${escapeHtml(state.created.secret)}</code><br>Copy it now: it is shown only once.</p>` : '<p>A public client has no secret: it uses PKCE.</p>'}</div>`
    : '';
  const errors = state.errors?.length ? `<ul class="error" role="alert">${state.errors.map((error) => `<li>${escapeHtml(error)}</li>`).join('')}</ul>` : '';
  const sections = tenants.map((tenant) => {
    const rows = applications
      .filter((application) => application.tenant_id === tenant.id)
      .map(
        (application) => `<li><strong>${escapeHtml(application.name)}</strong>
(${application.confidential ? 'confidential' : 'public'})<br><span class="small">client_id ${escapeHtml(application.client_id)}<br>
${application.redirect_uris.map(escapeHtml).join('<br>')}<br>${escapeHtml(application.scopes.join(' '))}</span>
<a href="${PAGE}/edit?tenant_id=${tenant.id}&amp;id=${application.id}">Edit</a>
<form class="inline" method="post" action="${PAGE}/delete">${csrf}${hidden('tenant_id', String(tenant.id))}${hidden('id', String(application.id))}<button type="submit" class="secondary">Delete</button></form></li>`,
      );
    return `<h2>${escapeHtml(tenant.name)}</h2>${rows.length ? `<ul>${rows.join('')}</ul>` : '<p class="small">No applications yet.</p>'}`;
  });
  const form =
    tenants.length === 0
      ? '<p>You may not manage applications in any organisation.</p>'
      : `<h2>Register an application</h2>
<form method="post" action="${PAGE}">${csrf}
<label for="tenant_id">Organisation</label><select id="tenant_id" name="tenant_id">${tenants.map((tenant) => `<option value="${tenant.id}">${escapeHtml(tenant.name)}</option>`).join('')}</select>
<label for="name">Name</label><input type="text" id="name" name="name" maxlength="255" required>
<label for="redirect_uris">Redirect URIs (one per line)</label><textarea id="redirect_uris" name="redirect_uris" rows="3" cols="40"></textarea>
<label for="confidential">Type</label><select id="confidential" name="confidential"><option value="1">Confidential (a server; has a secret)</option><option value="0">Public (a browser or mobile app; PKCE)</option></select>
<fieldset><legend>Scopes</legend>${SCOPES.map((scope) => `<label><input type="checkbox" name="scopes" value="${scope}" checked> ${scope}</label>`).join('')}</fieldset>
<button type="submit">Register</button></form>`;
  return sendPage(reply, status, 'Applications — Flextell', `<h1>Applications</h1>${created}${regeneratedNotice(state)}${errors}${sections.join('')}${form}`);
}

export async function signedIn(deps: AppDeps, request: FastifyRequest, reply: FastifyReply): Promise<BrowserSession | null> {
  const session = await loadSession(deps, request);
  if (session && session.userId !== null) return session;
  reply
    .code(302)
    .header('Location', `/oauth/login?return_to=${encodeURIComponent(PAGE)}`)
    .send('');
  return null;
}

export async function showApplications(deps: AppDeps, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const session = await signedIn(deps, request, reply);
  return session ? render(deps, reply, session, 200) : reply;
}

/** The form's tenant, when the user may manage applications there; null otherwise. */
export async function chosenTenant(deps: AppDeps, session: BrowserSession, form: URLSearchParams): Promise<number | null> {
  const tenantId = Number(form.get('tenant_id'));
  const tenants = await manageableTenants(deps, session.userId!);
  return tenants.some((tenant) => tenant.id === tenantId) ? tenantId : null;
}

export async function createFromPage(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, form: URLSearchParams): Promise<FastifyReply> {
  const session = await checkCsrf(deps, request, form);
  if (!session) return sendMessagePage(reply, 403, PAGE_MESSAGES.csrf);
  if (session.userId === null) return reply.code(302).header('Location', '/oauth/login').send('');
  const tenantId = await chosenTenant(deps, session, form);
  if (tenantId === null) return sendMessagePage(reply, 403, 'You may not manage applications in this organisation.');

  // The same rules and messages as POST /api/v1/applications.
  const confidential = form.get('confidential') !== '0';
  const { name, redirectUris, scopes, errors } = readApplicationForm(form, confidential);
  if (errors.length > 0) return render(deps, reply, session, 422, { errors });

  const secret = confidential ? newClientSecret() : null;
  const application = await insertApplication(
    deps.db,
    tenantId,
    {
      name,
      redirectUris,
      confidential,
      scopes,
      secret,
      userId: session.userId,
    },
    deps.clock.now(),
  );
  return render(deps, reply, session, 201, { created: { clientId: application.client_id, secret, name } });
}

export async function deleteFromPage(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, form: URLSearchParams): Promise<FastifyReply> {
  const session = await checkCsrf(deps, request, form);
  if (!session) return sendMessagePage(reply, 403, PAGE_MESSAGES.csrf);
  if (session.userId === null) return reply.code(302).header('Location', '/oauth/login').send('');
  const tenantId = await chosenTenant(deps, session, form);
  if (tenantId === null) return sendMessagePage(reply, 403, 'You may not manage applications in this organisation.');
  const id = Number(form.get('id'));
  try {
    const application = await findApplication(deps.db, tenantId, Number.isSafeInteger(id) && id > 0 ? id : null);
    await deleteApplication(deps, tenantId, application);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') return sendMessagePage(reply, 404, 'Application not found.');
    throw error;
  }
  return reply.code(303).header('Location', PAGE).send('');
}
