import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../../../app-deps.js';

export function registerPages(_scope: FastifyInstance, _deps: AppDeps): void {}
