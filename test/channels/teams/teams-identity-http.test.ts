import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Translations, Translator } from '../../../src/i18n/translator';
import { openLedger } from '../../../src/ledger/ledger';
import { DEVELOPMENT_HASH_KEY } from '../../../src/ledger/ledger-config';
import { HEAVY_HOOK_TIMEOUT_MS } from '../../support/hook-timeouts';
import { postActivity, RunningApp, startTestApp } from '../../support/test-app';
import { ConnectorStub } from './connector-stub';
import { teamsActivity, teamsConversationId, teamsPerson } from './teams-activities';

/*
 * README: a Teams user whose Entra object id is linked to a subject counts as verified by the
 * channel "only with a validated channel token and in a personal chat". Over HTTP anyone can post
 * a Teams-shaped activity naming any aadObjectId; these tests post exactly that.
 */

/** Someone on file whose Teams account is linked, in a ledger the app then opens. */
async function ledgerWithLinkedTeamsUser(dir: string, aadObjectId: string): Promise<string> {
  const ledger = await openLedger({ ledgerDir: dir, hashKey: DEVELOPMENT_HASH_KEY });
  try {
    const subject = await ledger.subjects.register(
      { identifiers: [{ kind: 'email', value: 'linked.teams.user@example.com' }, { kind: 'aad_object_id', value: aadObjectId }], regime: 'gdpr' },
      { actor: 'system:test', reason: 'test subject with a linked Teams account' },
    );
    return subject.id;
  } finally {
    await ledger.close();
  }
}

describe('a spoofed Teams activity over HTTP is never taken as a verified person', () => {
  let dir: string;
  let connector: ConnectorStub;
  let en: Translator;
  const person = teamsPerson('Linked');
  let subjectId: string;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    en = (await Translations.load()).for('en');
    dir = mkdtempSync(path.join(tmpdir(), 'teams-identity-'));
    subjectId = await ledgerWithLinkedTeamsUser(path.join(dir, 'ledger'), person.aadObjectId);
    connector = await ConnectorStub.start();
  });
  after(async () => {
    await connector?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** "Check my consents" (needs verified) from the linked person, in a personal chat, as Teams would post it. */
  const askForConsents = (conversationId = teamsConversationId('personal')) =>
    teamsActivity({ conversationType: 'personal', conversationId, serviceUrl: connector.serviceUrl, from: person, text: en.t('menu.consentCheck'), expectReplies: true });

  describe('with channel authentication on (MicrosoftAppId set)', () => {
    let running: RunningApp;
    before(async function () {
      this.timeout(HEAVY_HOOK_TIMEOUT_MS);
      running = await startTestApp({ LEDGER_DIR: path.join(dir, 'ledger'), MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'not-a-real-secret' });
    });
    after(async () => running?.close());

    // Forgeries that fail before any key download: a token naming Microsoft's issuer would make the
    // SDK fetch Microsoft's signing keys, and tests reach no address off this machine.
    const credentials: readonly [string, Record<string, string>][] = [
      ['no token', {}],
      ['an unsigned token from another issuer', { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2V2aWwuZXhhbXBsZSJ9.' }],
      ['a token that is not a JWT', { authorization: 'Bearer not-a-jwt' }],
    ];
    for (const [name, headers] of credentials) {
      it(`${name}: 401, the bot does not run, nothing reaches the connector`, async () => {
        const activity = askForConsents();
        const result = await postActivity(running.baseUrl, activity, headers);
        assert.equal(result.status, 401);
        assert.equal((result.body as { error: { code: string } }).error.code, 'PSB_UNAUTHORIZED');
        assert.deepEqual(result.replies, []);
        assert.deepEqual(connector.activitiesFor(activity.conversation?.id ?? ''), []);
      });
    }
  });

  describe('with channel authentication off (development: no MicrosoftAppId)', () => {
    let running: RunningApp | undefined;
    before(async function () {
      this.timeout(HEAVY_HOOK_TIMEOUT_MS);
      running = await startTestApp({ LEDGER_DIR: path.join(dir, 'ledger') });
    });
    after(async () => running?.close());

    it('the linked aadObjectId is only a claim: the bot asks who the customer is, shows no consents and records no verification', async function () {
      this.timeout(HEAVY_HOOK_TIMEOUT_MS);
      assert.ok(running);
      const result = await postActivity(running.baseUrl, askForConsents());
      assert.equal(result.status, 200, JSON.stringify(result.body));
      assert.ok(result.texts.length > 0, 'the bot answered');
      assert.equal(result.texts.at(-1), en.t('identity.prompt'), `replies: ${JSON.stringify(result.texts)}`);
      assert.ok(
        result.replies.every((reply) => (reply.attachments ?? []).length === 0),
        'no consents card',
      );

      // The ledger is one process per folder: read it once the app has let go.
      await running.close();
      running = undefined;
      const ledger = await openLedger({ ledgerDir: path.join(dir, 'ledger'), hashKey: DEVELOPMENT_HASH_KEY });
      try {
        assert.deepEqual(await ledger.verifications.forSubject(subjectId), [], 'no channel_authenticated verification was recorded');
      } finally {
        await ledger.close();
      }
    });
  });
});
