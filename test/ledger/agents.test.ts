import assert from 'node:assert/strict';
import { hashPassword, verifyPassword } from '../../src/ledger/agents/password-hash';
import { assertLedgerError, forEachBackend } from './support/ledger-backends';

describe('agent password hashing', () => {
  it('stores scrypt with its parameters and salt, never the password, and verifies', async () => {
    const stored = await hashPassword('correct horse battery');
    assert.match(stored, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.ok(!stored.includes('correct horse'));
    assert.notEqual(await hashPassword('correct horse battery'), stored, 'a new salt each time');
    assert.equal(await verifyPassword('correct horse battery', stored), true);
    assert.equal(await verifyPassword('correct horse batterY', stored), false);
    assert.equal(await verifyPassword('anything', 'plain-text'), false);
  });
});

forEachBackend('agent accounts', (ctx) => {
  it('adds an agent (audited), authenticates the right password only', async () => {
    const { ledger } = ctx;
    const before = (await ledger.db.query<{ n: string }>("SELECT count(*) AS n FROM audit_log WHERE action = 'agent.added'")).rows[0].n;
    await ledger.agents.add('giulia.b', 'supervisor', 'a long enough password', { actor: 'system:cli', reason: 'test' });
    assert.deepEqual(await ledger.agents.authenticate('giulia.b', 'a long enough password'), { username: 'giulia.b', role: 'supervisor' });
    assert.equal(await ledger.agents.authenticate('giulia.b', 'wrong password here'), undefined);
    assert.equal(await ledger.agents.authenticate('nobody', 'a long enough password'), undefined);
    const after = (await ledger.db.query<{ n: string }>("SELECT count(*) AS n FROM audit_log WHERE action = 'agent.added'")).rows[0].n;
    assert.equal(Number(after) - Number(before), 1);
    assert.equal((await ledger.verify()).ok, true);
  });

  it('refuses a duplicate username, a bad username, a bad role and a short password, writing nothing', async () => {
    const { ledger } = ctx;
    await ledger.agents.add('marco', 'agent', 'another long password', { actor: 'system:cli', reason: 'test' });
    await assertLedgerError(ledger.agents.add('marco', 'agent', 'another long password', { actor: 'x', reason: 'y' }), 'PSB_LEDGER_INVALID_INPUT', /already exists/);
    await assertLedgerError(ledger.agents.add('Bad Name', 'agent', 'another long password', { actor: 'x', reason: 'y' }), 'PSB_LEDGER_INVALID_INPUT', /username/);
    // @ts-expect-error: a role the type forbids, as a CLI might pass it
    await assertLedgerError(ledger.agents.add('anna', 'admin', 'another long password', { actor: 'x', reason: 'y' }), 'PSB_LEDGER_INVALID_INPUT', /role/);
    await assertLedgerError(ledger.agents.add('anna', 'agent', 'short', { actor: 'x', reason: 'y' }), 'PSB_LEDGER_INVALID_INPUT', /12 characters/);
    assert.equal(await ledger.agents.get('anna'), undefined);
  });
});
