import { BlockList, isIP } from 'node:net';
import type { TrustProxy } from '../config/trust-proxy';

/** What the address is read from: the socket's peer and the request headers. */
export interface AddressedRequest {
  readonly socket: { readonly remoteAddress?: string };
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** The client's address from a request; the one place `X-Forwarded-For` is read. */
export type ClientAddressOf = (req: AddressedRequest) => string;

/** `::ffff:10.0.0.1` is 10.0.0.1: one client, one key. */
function normalize(address: string): string {
  const trimmed = address.trim();
  return trimmed.toLowerCase().startsWith('::ffff:') && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
}

function forwardedChain(req: AddressedRequest): string[] {
  const header = req.headers['x-forwarded-for'];
  const joined = Array.isArray(header) ? header.join(',') : header ?? '';
  return joined.split(',').map(normalize).filter((entry) => entry !== '');
}

/**
 * Builds the resolver for a `TRUST_PROXY` setting. `X-Forwarded-For` is `client, proxy1, proxy2`
 * and the socket's peer is the last proxy; each proxy appends the address it heard from, so only
 * the entries our own proxies wrote can be believed — read from the right:
 *
 * - none: the socket's peer (the header is ignored: anyone can write it);
 * - N hops: the chain `[...XFF, peer]` minus our N proxies: its entry N from the right (the
 *   leftmost one when the chain is shorter);
 * - CIDRs: from the right, the first address not inside a trusted network.
 *
 * An entry that is not an IP address stops the walk there: it is answered as is (a unique key, never
 * another client's).
 */
export function clientAddressResolver(trust: TrustProxy): ClientAddressOf {
  const peerOf = (req: AddressedRequest): string => normalize(req.socket.remoteAddress ?? 'unknown');
  if (trust.kind === 'none') return peerOf;
  if (trust.kind === 'hops') {
    return (req) => {
      const chain = [...forwardedChain(req), peerOf(req)];
      return chain[Math.max(0, chain.length - 1 - trust.hops)] ?? peerOf(req);
    };
  }
  const trusted = new BlockList();
  for (const cidr of trust.cidrs) trusted.addSubnet(cidr.address, cidr.prefix, cidr.family);
  const isTrusted = (address: string): boolean => {
    const version = isIP(address);
    return version !== 0 && trusted.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
  return (req) => {
    const chain = [...forwardedChain(req), peerOf(req)];
    for (let i = chain.length - 1; i > 0; i -= 1) {
      const hop = chain[i] as string;
      if (!isTrusted(hop)) return hop;
    }
    return chain[0] as string;
  };
}
