import { Api, postToken } from './api.js';
import { browserLocks, TokenStore } from './state/tokens.js';

/** The tab's one token store and API client. */
export const tokens = new TokenStore(localStorage, browserLocks(), (refreshToken) => postToken({ grant_type: 'refresh_token', refresh_token: refreshToken }));
export const api = new Api(tokens);
