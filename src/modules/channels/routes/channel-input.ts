import { rule } from '../../../http/validation.js';
import { CHANNEL_TYPES, type ChannelType } from '../channel-types.js';
import { settingsRule, SETTINGS_REQUIRED_FOR } from '../channel-settings.js';

/**
 * The body of POST and PUT /channels (docs/channels.md#channel-management). On PUT every field is optional and
 * `type` must equal the stored one; `settings` is checked against the type's keys.
 */
export function channelFields(creating: boolean) {
  const type = creating
    ? rule
        .enum(CHANNEL_TYPES)
        .required()
        // `settings` is required only for some types: reported under its own name, as Laravel's required_if would.
        .rule((value: ChannelType, { input }) =>
          SETTINGS_REQUIRED_FOR.includes(value) && (input.settings === undefined || input.settings === null)
            ? { settings: 'The settings field is required.' }
            : null,
        )
    : rule
        .enum(CHANNEL_TYPES)
        .sometimes()
        .rule((value: ChannelType, { loaded }) => (value === loaded.type ? null : 'The type field cannot be changed.'));
  const required = <T extends { required(): T; sometimes(): T }>(field: T) => (creating ? field.required() : field.sometimes());
  return {
    type,
    name: required(rule.string()).max(255),
    address: required(rule.string()).max(255),
    is_active: rule.boolean().sometimes().describe('Default true; false switches the channel off.'),
    settings: (creating ? settingsRule(true) : settingsRule(false).sometimes()).describe('Keys of the type; secrets are write-only.'),
  };
}
