import type { AdapterFactory } from '../channel-adapter.js';
import type { ProviderDeps } from './provider-http.js';
import { InstagramAdapter } from './instagram.js';
import { TelegramAdapter } from './telegram.js';
import { WhatsAppAdapter } from './whatsapp.js';

export type { ProviderDeps } from './provider-http.js';

/** The real adapters of the three providers (docs/jobs-and-delivery.md#adapters); the website keeps its own. */
export function providerAdapters(deps: ProviderDeps): AdapterFactory {
  const adapters = { whatsapp: new WhatsAppAdapter(deps), instagram: new InstagramAdapter(deps), telegram: new TelegramAdapter(deps) };
  return (type) => (type === 'website' ? null : adapters[type]);
}
