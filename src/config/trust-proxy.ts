import { isIP } from 'node:net';
import { Env, invalid, read } from './env-readers';

/**
 * Which proxies in front of us may name the client in `X-Forwarded-For`: none (the socket's peer is
 * the client), a number of hops (the last N addresses of the chain are our own proxies), or the
 * proxies' networks (CIDRs: addresses inside them are skipped from the right).
 */
export type TrustProxy =
  | { readonly kind: 'none' }
  | { readonly kind: 'hops'; readonly hops: number }
  | { readonly kind: 'cidrs'; readonly cidrs: readonly { readonly address: string; readonly prefix: number; readonly family: 'ipv4' | 'ipv6' }[] };

export const NO_TRUSTED_PROXY: TrustProxy = Object.freeze({ kind: 'none' });

const EXPECTED = 'empty, a number of proxy hops (1 to 10), or comma-separated CIDRs such as 10.0.0.0/8,fd00::/8';

/**
 * Reads `TRUST_PROXY`. Unset: `X-Forwarded-For` is never believed (anyone could write it).
 *
 * @throws AppError `PSB_CONFIG_INVALID` naming the variable.
 */
export function readTrustProxy(env: Env): TrustProxy {
  const raw = read(env, 'TRUST_PROXY');
  if (raw === undefined) return NO_TRUSTED_PROXY;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops < 1 || hops > 10) throw invalid('TRUST_PROXY', EXPECTED, raw);
    return Object.freeze({ kind: 'hops', hops });
  }
  const cidrs = raw.split(',').map((entry) => {
    const [address = '', prefixText, ...rest] = entry.trim().split('/');
    const version = isIP(address);
    const max = version === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (version === 0 || rest.length > 0 || (prefixText !== undefined && !/^\d+$/.test(prefixText)) || prefix > max) throw invalid('TRUST_PROXY', EXPECTED, entry.trim());
    return Object.freeze({ address, prefix, family: version === 4 ? ('ipv4' as const) : ('ipv6' as const) });
  });
  return Object.freeze({ kind: 'cidrs', cidrs: Object.freeze(cidrs) });
}
