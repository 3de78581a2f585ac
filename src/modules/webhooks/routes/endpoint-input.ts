import type { PathRequest } from '../../../http/define-route.js';
import { parsePathId } from '../../../http/path-id.js';
import { rule, type CheckContext } from '../../../http/validation.js';
import { NetworkList } from '../../../platform/networks.js';
import type { Config } from '../../../config.js';
import { EVENT_TYPES } from '../../events/event-types.js';
import { requireEndpoint, type EndpointRow } from '../endpoint.repository.js';
import { webhookUrlProblem } from '../url-rules.js';

/** What the endpoint routes' `load` step gives their input rules: the networks exempt from the SSRF list. */
export interface EndpointLoad {
  allowed: NetworkList;
  endpoint: EndpointRow | null;
}

export function allowedNetworks(config: Config): NetworkList {
  return new NetworkList(config.webhooks.allowedNetworks);
}

export async function loadForCreate(request: PathRequest): Promise<EndpointLoad> {
  return { allowed: allowedNetworks(request.deps.config), endpoint: null };
}

/** The `load` step of /webhook-endpoints/{id}: a live endpoint of the tenant, or 404 "Webhook endpoint not found.". */
export async function loadEndpoint(request: PathRequest): Promise<EndpointLoad & { endpoint: EndpointRow }> {
  const endpoint = await requireEndpoint(request.deps.db, request.tenantId, parsePathId(request.params.id));
  return { allowed: allowedNetworks(request.deps.config), endpoint };
}

const EVENT_TYPE_CHOICES = [...EVENT_TYPES, '*'] as const;

/** Each a known type or `*`; no duplicates; `*` only alone. */
function eventTypesRules(value: string[], { field, attribute }: CheckContext): string | Record<string, string> | null {
  const failures: Record<string, string> = {};
  value.forEach((item, index) => {
    if (value.indexOf(item) !== index) failures[`${field}.${index}`] = `The ${field}.${index} field has a duplicate value.`;
  });
  if (Object.keys(failures).length > 0) return failures;
  if (value.includes('*') && value.length > 1) return `The ${attribute} field must be ["*"] or a list of event types.`;
  return null;
}

/** The body of POST and PUT /webhook-endpoints (docs/webhooks.md#endpoints); on PUT every field is optional. */
export function endpointFields(creating: boolean) {
  const required = <T extends { required(): T; sometimes(): T }>(field: T) => (creating ? field.required() : field.sometimes().required());
  return {
    url: required(rule.string())
      .max(2000)
      // Checked at creation and on every change; a PUT repeating the stored URL is no change.
      .rule((value: string, { loaded }) => {
        const { allowed, endpoint } = loaded as EndpointLoad;
        return endpoint?.url === value ? null : webhookUrlProblem(value, allowed);
      })
      .describe('https (http only for FLEXTELL_WEBHOOK_ALLOWED_NETWORKS); the host must resolve to public addresses only.'),
    description: rule.string().nullable().max(1000),
    event_types: required(rule.array())
      .each(rule.enum(EVENT_TYPE_CHOICES))
      .rule(eventTypesRules)
      .describe('Event types to receive, or ["*"] for every type (including types added later).'),
    enabled: rule.boolean().sometimes().describe('Default true.'),
  };
}
