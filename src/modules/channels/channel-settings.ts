import { FieldRule, rule, type CheckContext } from '../../http/validation.js';
import type { ChannelType } from './channel-types.js';

/**
 * The settings rules of each channel type (docs/channels.md#channel-management), in the order of the resource. Keys
 * not listed for a type are ignored; `widget_key` is read-only and never taken from input.
 */
export const AGENT_MODES = ['off', 'autonomous', 'copilot'] as const;

const DIGITS = /^[0-9]{1,32}$/;
export const BOT_TOKEN = /^[0-9]{3,20}:[A-Za-z0-9_-]{20,100}$/;
const SECRET_TOKEN = /^[A-Za-z0-9_-]{1,256}$/;
const ORIGIN = /^https?:\/\/[^\s/?#]+$/i;
const COLOR = /^#[0-9A-Fa-f]{6}$/;

export const DEFAULT_GREETING = 'Hi! How can we help you?';
export const DEFAULT_COLOR = '#2563eb';

/** An origin without path, query or fragment (`https://shop.example.com`, optionally with a port). */
function isOrigin(text: string): boolean {
  if (!ORIGIN.test(text)) return false;
  try {
    return new URL(text).origin === text.toLowerCase();
  } catch {
    return false;
  }
}

const agentMode = () => rule.enum(AGENT_MODES).nullable();
const digits = () => rule.string().format((value: string) => DIGITS.test(value));
const allowedOrigins = () =>
  rule
    .array()
    .nullable()
    // Laravel's message for arrays (the builder's max() speaks of sizes).
    .rule((origins: unknown[], { attribute }) => (origins.length > 20 ? `The ${attribute} field must not have more than 20 items.` : null))
    .each(
      rule
        .string()
        .required()
        .format((value: string) => value === '*' || isOrigin(value)),
    )
    .rule((origins: string[], { attribute }) => (origins.includes('*') && origins.length > 1 ? `The ${attribute} field format is invalid.` : null));

type KeyRules = Record<string, FieldRule<any>>;

/** Each type's keys with their rules; `required` keys are demanded on create, and fail when a PUT sends null. */
export const SETTINGS_RULES: Record<ChannelType, KeyRules> = {
  whatsapp: {
    agent_mode: agentMode(),
    phone_number_id: digits().required(),
    business_account_id: digits().nullable(),
    access_token: rule.string().required().max(4096),
    app_secret: rule.string().required().max(255),
    verify_token: rule.string().required().min(1).max(255),
  },
  instagram: {
    agent_mode: agentMode(),
    account_id: digits().required(),
    access_token: rule.string().required().max(4096),
    app_secret: rule.string().required().max(255),
    verify_token: rule.string().required().min(1).max(255),
  },
  telegram: {
    agent_mode: agentMode(),
    bot_token: rule
      .string()
      .required()
      .format((value: string) => BOT_TOKEN.test(value)),
    secret_token: rule
      .string()
      .nullable()
      .format((value: string) => SECRET_TOKEN.test(value)),
  },
  website: {
    agent_mode: agentMode(),
    allowed_origins: allowedOrigins(),
    greeting: rule.string().nullable().max(500),
    color: rule
      .string()
      .nullable()
      .format((value: string) => COLOR.test(value)),
  },
};

/** Types whose settings object must be sent on create (the others have defaults for every key). */
export const SETTINGS_REQUIRED_FOR: readonly ChannelType[] = ['whatsapp', 'instagram', 'telegram'];

/**
 * Validates the keys of `settings` for `type`: on create every key is checked (absent required keys fail), on update
 * only the keys sent (docs/channels.md#channel-management: never-stored required keys are not demanded by a partial
 * update). Returns the accepted values (null = cleared) or per-key messages named `settings.<key>`.
 */
export async function checkSettings(
  type: ChannelType,
  settings: Record<string, unknown>,
  creating: boolean,
  context: CheckContext,
): Promise<{ values: Record<string, unknown>; errors: Record<string, string> }> {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const [key, keyRule] of Object.entries(SETTINGS_RULES[type])) {
    const present = Object.prototype.hasOwnProperty.call(settings, key);
    if (!present && !creating) continue;
    const result = await keyRule.check(`settings.${key}`, present, settings[key], 'body', context, settings, values);
    if (result.ok) {
      if (present) values[key] = result.value ?? null;
    } else Object.assign(errors, result.errors);
  }
  return { values, errors };
}

/** The `settings` field's rule: the type comes from the body on create and from the stored channel on update. */
export function settingsRule(creating: boolean) {
  return rule.object().rule(async (settings: Record<string, unknown>, context) => {
    const type = (creating ? context.values.type : context.loaded?.type) as ChannelType | undefined;
    if (!type) return null;
    const { values, errors } = await checkSettings(type, settings, creating, context);
    if (Object.keys(errors).length > 0) return errors;
    // The accepted values replace the input, so the handler sees only known keys, converted.
    for (const key of Object.keys(settings)) delete settings[key];
    Object.assign(settings, values);
    return null;
  });
}
