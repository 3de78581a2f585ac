import dns from 'node:dns';
import net from 'node:net';
import { embeddedIpv4, NetworkList } from '../../platform/networks.js';

/**
 * Where webhooks may go (docs/webhooks.md#url-rules-and-ssrf-protection): every address a host resolves to is checked
 * against the refused ranges below, unless it is in FLEXTELL_WEBHOOK_ALLOWED_NETWORKS. The same check runs when a URL
 * is stored and before every attempt, and the attempt connects to the address checked (webhook-sender.ts).
 */

const REFUSED_IPV4 = new NetworkList([
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
]);

const REFUSED_IPV6 = new NetworkList(['::/128', '::1/128', '100::/64', '2001:db8::/32', 'fc00::/7', 'fe80::/10', 'ff00::/8']);

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Whether `address` may be reached: allowed networks first, then the refused ranges (IPv4 embedded in IPv6 included). */
export function isRefusedAddress(address: string, allowed: NetworkList): boolean {
  if (allowed.contains(address)) return false;
  if (net.isIPv4(address)) return REFUSED_IPV4.contains(address);
  if (REFUSED_IPV6.contains(address)) return true;
  const embedded = embeddedIpv4(address);
  return embedded !== null && REFUSED_IPV4.contains(embedded);
}

/** The host of a URL as an address or a name (URL keeps IPv6 literals in brackets). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** A host's every A and AAAA address (an IP literal as is); throws when it does not resolve. */
export async function resolveHost(host: string): Promise<ResolvedAddress[]> {
  const version = net.isIP(host);
  if (version !== 0) return [{ address: host, family: version as 4 | 6 }];
  const addresses = await dns.promises.lookup(host, { all: true, verbatim: true });
  if (addresses.length === 0) throw new Error(`${host} has no address.`);
  return addresses.map((entry) => ({ address: entry.address, family: entry.family as 4 | 6 }));
}

export type AddressCheck =
  | { ok: true; addresses: ResolvedAddress[] }
  | { ok: false; reason: 'unresolved'; error: string }
  | { ok: false; reason: 'blocked'; address: string };

/** Resolves and checks a host: one refused address refuses it. */
export async function checkHost(host: string, allowed: NetworkList): Promise<AddressCheck> {
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolveHost(host);
  } catch (error) {
    return { ok: false, reason: 'unresolved', error: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  }
  const refused = addresses.find((entry) => isRefusedAddress(entry.address, allowed));
  return refused ? { ok: false, reason: 'blocked', address: refused.address } : { ok: true, addresses };
}
