export const CHANNEL_TYPES = ['whatsapp', 'instagram', 'website', 'telegram'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
