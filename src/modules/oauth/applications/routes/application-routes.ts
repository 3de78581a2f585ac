import { defineRoute } from '../../../../http/define-route.js';
import { parsePathId } from '../../../../http/path-id.js';
import { validationError } from '../../../../platform/errors.js';
import { rule } from '../../../../http/validation.js';
import type { AppDeps } from '../../../../app-deps.js';
import { SCOPES, type Scope } from '../../scopes.js';
import {
  deleteApplication,
  findApplication,
  insertApplication,
  listApplications,
  newClientSecret,
  updateApplication,
  type ApplicationRecord,
} from '../application.repository.js';
import { applicationResource, applicationSchema } from '../application.resource.js';
import { SCOPE_LIST_DESCRIPTION, redirectUrisMessages, scopesMessages } from '../application-rules.js';
import { messageResult, messageResultResponse } from '../../../../http/message-result.js';
import { envelopeSchema, paginatorSchema } from '../../../../http/openapi-schemas.js';

const TAGS = ['Applications'];
const COMMON = { permission: 'applications.manage', scopes: 'full-access', tags: TAGS } as const;

/** The value `confidential` will have: as sent when it is a boolean, else the default (true). */
function confidentialOf(input: Record<string, unknown>): boolean {
  const value = input.confidential;
  return !(value === false || value === 0 || value === '0');
}

const load = ({ deps, tenantId, params }: { deps: AppDeps; tenantId: number; params: Record<string, string> }) =>
  findApplication(deps.db, tenantId, parsePathId(params.id));

const requiredRedirectUris = () => validationError({ redirect_uris: ['The redirect uris field is required.'] });

export const createApplication = defineRoute({
  ...COMMON,
  method: 'POST',
  url: '/api/v1/applications',
  summary: 'Register an OAuth application',
  description: 'The client secret (confidential applications) is shown in this answer only; it is stored hashed.',
  successStatus: 201,
  responseSchema: envelopeSchema(applicationSchema),
  body: {
    name: rule.string().required().max(255),
    redirect_uris: rule
      .any()
      .rule((value, { input }) => redirectUrisMessages(value, confidentialOf(input)))
      .describe('Absolute redirect URIs (at most 10).'),
    confidential: rule.boolean().describe('true (default): has a secret; false: a public client (PKCE required).'),
    scopes: rule.array().nullable().rule(scopesMessages).describe(SCOPE_LIST_DESCRIPTION),
  },
  handler: async ({ deps, tenantId, context, body, reply }) => {
    if (body.redirect_uris === undefined) throw requiredRedirectUris();
    const confidential = body.confidential ?? true;
    const secret = confidential ? newClientSecret() : null;
    const application = await insertApplication(
      deps.db,
      tenantId,
      {
        name: body.name!,
        redirectUris: body.redirect_uris as string[],
        confidential,
        scopes: (body.scopes as Scope[] | null | undefined) ?? SCOPES,
        secret,
        userId: context.principal.kind === 'user' ? context.principal.userId : null,
      },
      deps.clock.now(),
    );
    reply.code(201);
    return { success: 'Application created successfully.', data: applicationResource(application, secret) };
  },
});

export const listApplicationsRoute = defineRoute({
  ...COMMON,
  method: 'GET',
  url: '/api/v1/applications',
  summary: 'List OAuth applications',
  description: 'Newest first; secrets are never shown here.',
  paginated: true,
  responseSchema: paginatorSchema(applicationSchema),
  handler: async ({ deps, tenantId, page, paginate }) => {
    const { rows, total } = await listApplications(deps.db, tenantId, page.perPage, page.offset);
    return paginate(
      rows.map((row) => applicationResource(row)),
      total,
    );
  },
});

export const getApplication = defineRoute({
  ...COMMON,
  method: 'GET',
  url: '/api/v1/applications/:id',
  summary: 'Get an OAuth application',
  responseSchema: envelopeSchema(applicationSchema),
  load,
  handler: async ({ loaded }) => ({ success: 'Application retrieved successfully.', data: applicationResource(loaded) }),
});

export const updateApplicationRoute = defineRoute({
  ...COMMON,
  method: 'PUT',
  url: '/api/v1/applications/:id',
  summary: 'Update an OAuth application',
  description: 'Partial: name, redirect_uris, scopes. `confidential` cannot change. Narrowed scopes apply from the next refresh.',
  responseSchema: envelopeSchema(applicationSchema),
  load,
  body: {
    name: rule.string().max(255),
    redirect_uris: rule.any().rule((value, { loaded }) => redirectUrisMessages(value, (loaded as ApplicationRecord).confidential)),
    confidential: rule
      .boolean()
      .rule((value, { loaded }) => (value === (loaded as ApplicationRecord).confidential ? null : 'The confidential field cannot be changed.')),
    scopes: rule.array().rule(scopesMessages).describe(SCOPE_LIST_DESCRIPTION),
  },
  handler: async ({ deps, tenantId, loaded, body }) => {
    const application = await updateApplication(
      deps.db,
      loaded,
      tenantId,
      {
        ...(body.name ? { name: body.name } : {}),
        ...(body.redirect_uris !== undefined ? { redirectUris: body.redirect_uris as string[] } : {}),
        ...(body.scopes ? { scopes: body.scopes as Scope[] } : {}),
      },
      deps.clock.now(),
    );
    return { success: 'Application updated successfully.', data: applicationResource(application) };
  },
});

export const regenerateApplicationSecret = defineRoute({
  ...COMMON,
  method: 'POST',
  url: '/api/v1/applications/:id/secret',
  summary: 'Regenerate the client secret',
  description: 'The old secret stops working at once; tokens already issued stay valid.',
  responseSchema: envelopeSchema(applicationSchema),
  load,
  handler: async ({ deps, tenantId, loaded }) => {
    if (!loaded.confidential) throw validationError({ confidential: ['A public application has no client secret.'] });
    const secret = newClientSecret();
    const application = await updateApplication(deps.db, loaded, tenantId, { secret }, deps.clock.now());
    return { success: 'Application secret regenerated successfully.', data: applicationResource(application, secret) };
  },
});

export const deleteApplicationRoute = defineRoute({
  ...COMMON,
  method: 'DELETE',
  url: '/api/v1/applications/:id',
  summary: 'Delete an OAuth application',
  description: 'Revokes every code, access token and refresh token issued to it.',
  responseSchema: messageResultResponse,
  load,
  handler: async ({ deps, tenantId, loaded }) => {
    await deleteApplication(deps, tenantId, loaded);
    return messageResult('Application deleted successfully.');
  },
});
