import { rule } from '../../../http/validation.js';

/** The body of POST and PUT /knowledge-articles (docs/agent.md#knowledge-articles); on PUT every field is optional. */
export function articleFields(creating: boolean) {
  // Laravel's `sometimes|required` on PUT: an absent field keeps its value, a null or blank one is refused.
  const required = <T extends { required(): T; sometimes(): T }>(field: T) => (creating ? field.required() : field.sometimes().required());
  return {
    title: required(rule.string()).max(255),
    body: required(rule.string()).max(20_000),
    is_published: rule.boolean().sometimes().describe('Default true; only published articles are used by the agent.'),
  };
}
