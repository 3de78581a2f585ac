import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../../../app-deps.js';
import { strictFormParams, type RawBody } from '../form.js';
import { showAuthorize, submitDecision } from './authorize.js';
import { sendMessagePage } from './html.js';
import { showLogin, submitLogin, submitLogout } from './login.js';
import { createFromPage, deleteFromPage, showApplications } from './applications-page.js';
import { editFromPage, regenerateFromPage, showEdit } from './applications-edit-page.js';

type FormHandler = (deps: AppDeps, request: FastifyRequest, reply: FastifyReply, form: URLSearchParams) => Promise<FastifyReply>;

/** The pages post ordinary HTML forms; anything else is a 400 page, never an OAuth JSON error. */
function withForm(deps: AppDeps, handler: FormHandler) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body as RawBody | undefined;
    if (!body?.contentType || !/^application\/x-www-form-urlencoded\s*(;.*)?$/i.test(body.contentType)) {
      return sendMessagePage(reply, 400, 'The form could not be read.');
    }
    return handler(deps, request, reply, strictFormParams(body.text));
  };
}

/** Login, logout and consent pages (docs/oauth.md#login-and-consent-pages). */
export function registerPages(scope: FastifyInstance, deps: AppDeps): void {
  scope.get('/oauth/login', (request, reply) => showLogin(deps, request, reply));
  scope.post('/oauth/login', withForm(deps, submitLogin));
  scope.post('/oauth/logout', withForm(deps, submitLogout));
  scope.get('/oauth/authorize', (request, reply) => showAuthorize(deps, request, reply));
  scope.post('/oauth/authorize', withForm(deps, submitDecision));
  scope.get('/oauth/applications', (request, reply) => showApplications(deps, request, reply));
  scope.post('/oauth/applications', withForm(deps, createFromPage));
  scope.post('/oauth/applications/delete', withForm(deps, deleteFromPage));
  scope.get('/oauth/applications/edit', (request, reply) => showEdit(deps, request, reply));
  scope.post('/oauth/applications/edit', withForm(deps, editFromPage));
  scope.post('/oauth/applications/secret', withForm(deps, regenerateFromPage));

  // docs/oauth.md#login-and-consent-pages: a method a page does not take answers an HTML page, not the API's JSON 405.
  const pages: Record<string, string[]> = {
    '/oauth/login': ['GET', 'HEAD', 'POST'],
    '/oauth/logout': ['POST'],
    '/oauth/authorize': ['GET', 'HEAD', 'POST'],
    '/oauth/applications': ['GET', 'HEAD', 'POST'],
    '/oauth/applications/delete': ['POST'],
    '/oauth/applications/edit': ['GET', 'HEAD', 'POST'],
    '/oauth/applications/secret': ['POST'],
  };
  for (const [url, allowed] of Object.entries(pages)) {
    const others = (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).filter((method) => !allowed.includes(method));
    scope.route({
      method: others,
      url,
      handler: async (request, reply) => {
        reply.header('Allow', allowed.join(', '));
        return sendMessagePage(reply, 405, `The ${request.method} method is not supported for this page.`);
      },
    });
  }
}
