import { isScope, type Scope } from '../../scopes.js';
import { redirectUrisMessages, scopesMessages } from '../../applications/application-rules.js';

export interface ApplicationForm {
  name: string;
  redirectUris: string[];
  scopes: Scope[];
  /** The messages of POST/PUT /api/v1/applications for what the form sent; empty when it is valid. */
  errors: string[];
}

/** The fields the register and edit forms share, read and checked with the Applications API's rules and messages. */
export function readApplicationForm(form: URLSearchParams, confidential: boolean): ApplicationForm {
  const name = (form.get('name') ?? '').trim();
  const redirectUris = (form.get('redirect_uris') ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const scopes = form.getAll('scopes');
  const errors: string[] = [];
  if (name === '') errors.push('The name field is required.');
  else if ([...name].length > 255) errors.push('The name field must not be greater than 255 characters.');
  for (const messages of [redirectUrisMessages(redirectUris, confidential), scopesMessages(scopes)]) {
    if (typeof messages === 'string') errors.push(messages);
    else if (messages) errors.push(...Object.values(messages));
  }
  return { name, redirectUris, scopes: scopes.filter(isScope), errors };
}
