/** RFC 6749 §5.2 errors with the statuses of oauth.md §1; the body also carries the API's `message`. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'rate_limit_exceeded'
  | 'server_error';

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  rate_limit_exceeded: 429,
  server_error: 500,
};

export class OAuthError extends Error {
  readonly status: number;

  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
    this.status = STATUS[error];
    if (error === 'invalid_client') this.headers = { ...headers, 'WWW-Authenticate': 'Basic realm="oauth"' };
  }

  toBody(): { error: string; error_description: string; message: string } {
    return { error: this.error, error_description: this.description, message: this.description };
  }
}

export const invalidClient = () => new OAuthError('invalid_client', 'Client authentication failed.');
export const missingParameter = (name: string) => new OAuthError('invalid_request', `The request is missing the ${name} parameter.`);
export const invalidScope = () => new OAuthError('invalid_scope', 'The requested scope is invalid, unknown, or not allowed for this client.');
