/**
 * Where the product may send a tenant's webhooks (tools, event notifications): https only, and
 * never to an address inside the platform's own networks (loopback, private ranges, link-local
 * with the cloud metadata address, carrier-grade NAT, unique-local IPv6), whatever name points
 * there. Development and the tests allow plain http on loopback instead (allowInsecure).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is one of the platform's own (or no routable address at all). */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return INTERNAL.check(address, 'ipv4');
  if (family === 6) {
    // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 one.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    return mapped ? INTERNAL.check(mapped, 'ipv4') : INTERNAL.check(address, 'ipv6');
  }
  return true;
}

/** Why a tenant's webhook may not go to this URL, or null when it may. */
export async function refuseOutboundUrl(
  url: URL,
  options: { allowInsecure: boolean },
): Promise<string | null> {
  if (options.allowInsecure && url.protocol === 'http:') return null;
  if (url.protocol !== 'https:') return 'must use https';
  if (options.allowInsecure) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return `its host ${host} does not resolve`;
  }
  if (addresses.length === 0 || addresses.some(isInternalAddress))
    return 'must not point at an internal address';
  return null;
}
