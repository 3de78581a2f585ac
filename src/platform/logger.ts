import pino, { type LoggerOptions } from 'pino';
import type { Config } from '../config.js';

/** Nothing secret ever reaches a log line: tokens, cookies, passwords and secrets are redacted by path. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.client_secret',
  '*.access_token',
  '*.refresh_token',
  '*.token',
];

export function loggerOptions(config: Pick<Config, 'logLevel'>): LoggerOptions {
  return { level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { pid: process.pid } };
}

export function createLogger(config: Pick<Config, 'logLevel'>) {
  return pino(loggerOptions(config));
}
