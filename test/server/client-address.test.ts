import assert from 'node:assert/strict';
import { readTrustProxy } from '../../src/config/trust-proxy';
import { AddressedRequest, clientAddressResolver } from '../../src/server/client-address';
import { isAppError } from '../../src/errors/app-error';

function request(peer: string, forwardedFor?: string | string[]): AddressedRequest {
  return { socket: { remoteAddress: peer }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } };
}

describe('client address (TRUST_PROXY)', () => {
  it('ignores X-Forwarded-For when no proxy is trusted (the default)', () => {
    const addressOf = clientAddressResolver(readTrustProxy({}));
    assert.equal(addressOf(request('10.0.0.2', '198.51.100.7')), '10.0.0.2');
    assert.equal(addressOf(request('::ffff:10.0.0.2')), '10.0.0.2', 'an IPv4-mapped peer is its IPv4 address');
  });

  it('with N hops, takes the entry our N proxies vouch for, whatever a client wrote before it', () => {
    const oneHop = clientAddressResolver(readTrustProxy({ TRUST_PROXY: '1' }));
    assert.equal(oneHop(request('10.0.0.2', '198.51.100.7')), '198.51.100.7');
    assert.equal(oneHop(request('10.0.0.2', '1.2.3.4, 198.51.100.7')), '198.51.100.7', 'a forged leftmost entry is not believed');
    assert.equal(oneHop(request('10.0.0.2')), '10.0.0.2', 'no header: the peer');
    const twoHops = clientAddressResolver(readTrustProxy({ TRUST_PROXY: '2' }));
    assert.equal(twoHops(request('10.0.0.3', ['1.2.3.4, 198.51.100.7', '10.0.0.2'])), '198.51.100.7', 'repeated headers are one list');
  });

  it('with CIDRs, skips trusted proxies from the right', () => {
    const addressOf = clientAddressResolver(readTrustProxy({ TRUST_PROXY: '10.0.0.0/8, fd00::/8' }));
    assert.equal(addressOf(request('10.0.0.2', '1.2.3.4, 198.51.100.7, 10.1.1.1')), '198.51.100.7');
    assert.equal(addressOf(request('fd00::1', '2001:db8::5')), '2001:db8::5');
    assert.equal(addressOf(request('203.0.113.9', '198.51.100.7')), '203.0.113.9', 'an untrusted peer is the client, whatever it forwards');
  });

  it('refuses a malformed TRUST_PROXY naming the variable', () => {
    for (const value of ['0', '11', 'yes', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/8/1']) {
      assert.throws(
        () => readTrustProxy({ TRUST_PROXY: value }),
        (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.details.variable === 'TRUST_PROXY',
        value,
      );
    }
  });
});
