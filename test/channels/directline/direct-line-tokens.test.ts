import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { baseKeyFor, CONNECTOR_TOKEN_TTL_SECONDS, deriveKeys, DirectLineTokens, STREAM_TOKEN_TTL_SECONDS } from '../../../src/channels/directline/direct-line-tokens';
import { signToken, verifyToken } from '../../../src/channels/directline/signed-token';
import { isAppError } from '../../../src/errors/app-error';
import { ErrorCode } from '../../../src/errors/codes';

const SECRET = 'unit-test-direct-line-secret-0123456789';
const START = Date.UTC(2026, 0, 15, 12, 0, 0);

function fixture(ttl = 1800) {
  let now = START;
  const tokens = new DirectLineTokens(deriveKeys(baseKeyFor({ tokenKey: '', secret: SECRET })), { secret: SECRET, tokenTtlSeconds: ttl, now: () => now });
  return { tokens, advance: (seconds: number) => (now += seconds * 1000) };
}

const failsWith = (code: ErrorCode) => (err: unknown) => isAppError(err, code);

describe('Direct Line tokens', () => {
  it('a client token carries its conversation, user and start facts, and expires after the TTL', () => {
    const { tokens, advance } = fixture(1800);
    const issued = tokens.issueClientToken('conv1', 'dl_user', { locale: 'it-IT', channelData: { gpc: true } });
    assert.equal(issued.expiresIn, 1800);
    assert.deepEqual(tokens.verifyClientToken(issued.token), {
      conversationId: 'conv1',
      userId: 'dl_user',
      expiresAt: START / 1000 + 1800,
      start: { locale: 'it-IT', channelData: { gpc: true } },
    });
    // botframework-directlinejs reads the user id from the token (jwt-decode): it must be a JWT with `user`.
    const payload = JSON.parse(Buffer.from(issued.token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(payload.user, 'dl_user');
    advance(1799);
    assert.equal(tokens.verifyClientToken(issued.token).conversationId, 'conv1');
    advance(1);
    assert.throws(() => tokens.verifyClientToken(issued.token), failsWith('PSB_DL_TOKEN_EXPIRED'));
  });

  it('refuses tampering, another key, "alg: none" and garbage as 401', () => {
    const { tokens } = fixture();
    const { token } = tokens.issueClientToken('conv1', 'dl_user');
    const [header, payload, signature] = token.split('.');
    const swapped = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')), conv: 'conv2' })).toString('base64url');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    const otherKey = new DirectLineTokens(deriveKeys(Buffer.from('x'.repeat(40))), { secret: '', tokenTtlSeconds: 1800 }).issueClientToken('conv1', 'dl_user').token;
    for (const bad of [`${header}.${swapped}.${signature}`, none, otherKey, 'garbage', '', `${token}x`, 'a'.repeat(5000)]) {
      assert.throws(() => tokens.verifyClientToken(bad), failsWith('PSB_DL_UNAUTHORIZED'), bad.slice(0, 40));
    }
  });

  it('the three kinds never pass for one another', () => {
    const { tokens } = fixture();
    const client = tokens.issueClientToken('conv1', 'dl_user').token;
    const stream = tokens.issueStreamToken('conv1', 'dl_user');
    const connector = tokens.issueConnectorToken('conv1');
    assert.throws(() => tokens.verifyClientToken(stream), failsWith('PSB_DL_UNAUTHORIZED'));
    assert.throws(() => tokens.verifyClientToken(connector), failsWith('PSB_DL_UNAUTHORIZED'));
    assert.throws(() => tokens.verifyStreamToken(client, 'conv1'), failsWith('PSB_DL_UNAUTHORIZED'));
    assert.throws(() => tokens.verifyConnectorToken(client, 'conv1'), failsWith('PSB_DL_CONNECTOR_UNAUTHORIZED'));
    assert.throws(() => tokens.verifyConnectorToken(stream, 'conv1'), failsWith('PSB_DL_CONNECTOR_UNAUTHORIZED'));
    tokens.verifyStreamToken(stream, 'conv1');
    tokens.verifyConnectorToken(connector, 'conv1');
  });

  it('stream and connector tokens are bound to one conversation and short-lived', () => {
    const { tokens, advance } = fixture();
    const stream = tokens.issueStreamToken('conv1', 'dl_user');
    const connector = tokens.issueConnectorToken('conv1');
    assert.throws(() => tokens.verifyStreamToken(stream, 'conv2'), failsWith('PSB_DL_FORBIDDEN'));
    assert.throws(() => tokens.verifyConnectorToken(connector, 'conv2'), failsWith('PSB_DL_CONNECTOR_UNAUTHORIZED'));
    advance(STREAM_TOKEN_TTL_SECONDS);
    assert.throws(() => tokens.verifyStreamToken(stream, 'conv1'), failsWith('PSB_DL_TOKEN_EXPIRED'));
    advance(CONNECTOR_TOKEN_TTL_SECONDS - STREAM_TOKEN_TTL_SECONDS);
    assert.throws(() => tokens.verifyConnectorToken(connector, 'conv1'), failsWith('PSB_DL_CONNECTOR_UNAUTHORIZED'));
  });

  it('recognises the secret, and only it', () => {
    const { tokens } = fixture();
    assert.equal(tokens.isSecret(SECRET), true);
    assert.equal(tokens.isSecret(`${SECRET}x`), false);
    assert.equal(tokens.isSecret(''), false);
    const noSecret = new DirectLineTokens(deriveKeys(Buffer.alloc(32)), { secret: '', tokenTtlSeconds: 60 });
    assert.equal(noSecret.isSecret(''), false, 'without a configured secret nothing is the secret');
  });

  it('keys: DIRECT_LINE_TOKEN_KEY wins, else derived from the secret (never the secret itself), else random per process', () => {
    assert.deepEqual(baseKeyFor({ tokenKey: 'k'.repeat(32), secret: SECRET }), Buffer.from('k'.repeat(32)));
    const derived = baseKeyFor({ tokenKey: '', secret: SECRET });
    assert.deepEqual(derived, baseKeyFor({ tokenKey: '', secret: SECRET }), 'every instance with the secret derives the same key');
    assert.notDeepEqual(derived, Buffer.from(SECRET));
    assert.notDeepEqual(baseKeyFor({ tokenKey: '', secret: '' }), baseKeyFor({ tokenKey: '', secret: '' }));
  });

  it('signed tokens: one fixed header, constant-time signature check, then expiry', () => {
    const key = Buffer.from('k'.repeat(32));
    const token = signToken(key, { a: 1, exp: 100 });
    assert.deepEqual(verifyToken(key, token, 99), { ok: true, claims: { a: 1, exp: 100 } });
    assert.deepEqual(verifyToken(key, token, 100), { ok: false, reason: 'expired' });
    assert.deepEqual(verifyToken(Buffer.from('j'.repeat(32)), token, 0), { ok: false, reason: 'signature' });
    const [, payload] = token.split('.');
    const hs512Header = Buffer.from('{"alg":"HS512","typ":"JWT"}').toString('base64url');
    const resigned = `${hs512Header}.${payload}.${createHmac('sha256', key).update(`${hs512Header}.${payload}`).digest('base64url')}`;
    assert.deepEqual(verifyToken(key, resigned, 0), { ok: false, reason: 'malformed' });
    assert.deepEqual(verifyToken(key, signToken(key, { a: 1 }), 0), { ok: false, reason: 'malformed' }, 'no exp, no token');
  });
});
