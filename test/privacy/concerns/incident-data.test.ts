import assert from 'node:assert/strict';
import { isAppError } from '../../../src/errors/app-error';
import type { ErrorCode } from '../../../src/errors/codes';
import type { Incident, IncidentNoticeText } from '../../../src/privacy/concerns/concern-types';
import type { ConcernService } from '../../../src/privacy/concerns/concern-service';
import { forEachBackend } from '../../ledger/support/ledger-backends';
import { concernHarness, CUSTOMER, newConcern, TEAM } from './concern-service-support';

const EN: IncidentNoticeText = { whatHappened: 'Order emails went to the wrong customers.', whatData: 'Names and orders.', whatWeDo: 'We stopped the mail job.', whatYouShouldDo: 'Nothing; delete the email if you got one.' };
const IT: IncidentNoticeText = { whatHappened: 'Email degli ordini inviate ai clienti sbagliati.', whatData: 'Nomi e ordini.', whatWeDo: "Abbiamo fermato l'invio.", whatYouShouldDo: "Nulla; cancelli l'email se l'ha ricevuta." };

async function refused(promise: Promise<unknown>, code: ErrorCode, field?: string): Promise<Error> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    assert.ok(isAppError(err, code), `expected ${code}, got ${String((err as { code?: unknown }).code)}: ${(err as Error).message}`);
    if (field !== undefined) assert.equal(err.details.field, field);
    return true;
  });
  return caught as Error;
}

async function newIncident(service: ConcernService): Promise<Incident> {
  const { reference } = await service.report(newConcern(), CUSTOMER);
  return service.confirmBreach(reference, {}, TEAM);
}

forEachBackend('incident mode: notice and affected subjects', (ctx) => {
  let unique = 0;
  /** Registers people with these identifiers; returns their ids. */
  async function people(count: number, regime: 'gdpr' | 'lgpd' = 'gdpr'): Promise<{ id: string; email: string; customerNumber: string }[]> {
    const made = [];
    for (let i = 0; i < count; i += 1) {
      unique += 1;
      const email = `affected-${process.pid}-${ctx.backend}-${unique}@example.com`;
      const customerNumber = `C${process.pid}${unique}`.slice(0, 30);
      const subject = await ctx.ledger.subjects.register({ identifiers: [{ kind: 'email', value: email }, { kind: 'customer_number', value: customerNumber }], regime }, CUSTOMER);
      made.push({ id: subject.id, email, customerNumber });
    }
    return made;
  }
  const noticeRows = async (incidentId: string): Promise<{ subject_id: string }[]> =>
    (await ctx.ledger.db.query<{ subject_id: string }>('SELECT subject_id FROM incident_subject_notice WHERE incident_id = $1 ORDER BY subject_id', [incidentId])).rows;

  describe('importing the affected subjects', () => {
    it('is all or nothing: unknown and malformed identifiers are reported by line, and nothing is imported', async () => {
      const h = await concernHarness(ctx);
      const incident = await newIncident(h.service);
      const [known] = await people(1);
      const csv = ['email,customer_number', `${known.email},`, 'nobody-here@example.com,', ',not a number!', '', `${known.email.toUpperCase()},${known.customerNumber}`].join('\n');
      const err = await refused(h.service.importAffected(incident.reference, csv, TEAM, { source: 'affected.csv' }), 'PSB_LEDGER_IMPORT_INVALID');
      assert.match(err.message, /^affected\.csv: 2 of 4 rows are invalid; nothing was imported/);
      assert.match(err.message, /row 3: no one in the ledger has this email/);
      assert.match(err.message, /row 4: malformed customer_number/);
      assert.ok(!err.message.includes('nobody-here'), 'the identifiers are not quoted back');
      const problems = (err as unknown as { details: { problems: { row: number }[] } }).details.problems;
      assert.deepEqual(problems.map((p) => p.row), [3, 4]);
      assert.equal((await h.service.incident(incident.reference))?.affectedCount, 0);
      assert.deepEqual(await noticeRows(incident.id), []);
      assert.equal(await h.service.isAffected(incident.reference, known.id), false);
    });

    it('refuses a row whose identifiers belong to two people, and a file without identifier columns', async () => {
      const h = await concernHarness(ctx);
      const incident = await newIncident(h.service);
      const [a, b] = await people(2);
      const err = await refused(h.service.importAffected(incident.reference, `email,customer_number\n${a.email},${b.customerNumber}\n`, TEAM), 'PSB_LEDGER_IMPORT_INVALID');
      assert.match(err.message, /row 2: its identifiers belong to different people/);
      const header = await refused(h.service.importAffected(incident.reference, 'name\nMaria\n', TEAM), 'PSB_LEDGER_IMPORT_INVALID');
      assert.match(header.message, /unknown column "name"/);
    });

    it('queues one Art. 34 notice per affected subject, never two — not on a re-import, not under two imports at once', async () => {
      const h = await concernHarness(ctx);
      const incident = await newIncident(h.service);
      const [a, b, c] = await people(3);
      const first = await h.service.importAffected(incident.reference, `email\n${a.email}\n${b.email}\n${a.email}\n`, TEAM);
      assert.deepEqual(first, { imported: 2, alreadyAffected: 0 });
      const again = `customer_number\n${a.customerNumber}\n${b.customerNumber}\n${c.customerNumber}\n`;
      const both = await Promise.all([h.service.importAffected(incident.reference, again, TEAM), h.service.importAffected(incident.reference, again, TEAM)]);
      assert.deepEqual(both.map((r) => r.imported).sort(), [0, 1], 'the newly affected subject is imported by one of them');
      assert.deepEqual(both.map((r) => r.alreadyAffected).sort(), [2, 3]);
      assert.deepEqual((await noticeRows(incident.id)).map((r) => r.subject_id).sort(), [a.id, b.id, c.id].sort());
      assert.equal((await h.service.incident(incident.reference))?.affectedCount, 3);
      assert.ok(h.subjectNoticeKicks.count >= 2, 'the Art. 34 sender is kicked after each import that queued notices');
      const audit = (await ctx.ledger.db.query<{ details: unknown }>("SELECT details FROM audit_log WHERE entity_id = $1 AND action = 'incident.affected.imported' ORDER BY seq", [incident.id])).rows;
      assert.equal(audit.length, 3);
      assert.ok(!JSON.stringify(audit).includes('@example.com'), 'the audit holds counts, not identifiers');
    });

    it('answers "is this person affected?" for the incident only, and adds the imported people’s regimes to its clocks', async () => {
      const h = await concernHarness(ctx);
      const incident = await newIncident(h.service);
      const other = await newIncident(h.service);
      const [brazilian] = await people(1, 'lgpd');
      const [outsider] = await people(1);
      await h.service.importAffected(incident.reference, `email\n${brazilian.email}\n`, TEAM);
      assert.equal(await h.service.isAffected(incident.reference, brazilian.id), true);
      assert.equal(await h.service.isAffected(incident.reference, outsider.id), false);
      assert.equal(await h.service.isAffected(other.reference, brazilian.id), false);
      assert.equal(await h.service.isAffected('INC-2026-000000-0', brazilian.id), false);
      assert.deepEqual((await h.service.incident(incident.reference))?.clocks.map((c) => c.regime), ['gdpr', 'lgpd']);
    });
  });

  describe('the notice', () => {
    it('needs the four parts in a shipped language, naming what is missing', async () => {
      const h = await concernHarness(ctx);
      const incident = await newIncident(h.service);
      await refused(h.service.setNotice(incident.reference, { en: { ...EN, whatWeDo: '  ' } }, TEAM), 'PSB_INCIDENT_NOTICE_INCOMPLETE', 'texts.en.whatWeDo');
      await refused(h.service.setNotice(incident.reference, { sv: EN }, TEAM), 'PSB_INCIDENT_NOTICE_INCOMPLETE', 'texts.sv');
      await refused(h.service.setNotice(incident.reference, {}, TEAM), 'PSB_INCIDENT_NOTICE_INCOMPLETE', 'texts');
      await h.service.setNotice(incident.reference, { it: IT }, TEAM);
      await refused(h.service.publishNotice(incident.reference, TEAM), 'PSB_INCIDENT_NOTICE_INCOMPLETE', 'texts.en');
      assert.equal((await h.service.incident(incident.reference))?.notice?.publishedAt, null);
    });

    it('is published one at a time: another incident’s is refused until the first is withdrawn', async () => {
      const h = await concernHarness(ctx);
      const earlier = await h.service.publishedNotice();
      if (earlier) await h.service.withdrawNotice(earlier.incidentReference, TEAM);
      const first = await newIncident(h.service);
      const second = await newIncident(h.service);
      for (const incident of [first, second]) await h.service.setNotice(incident.reference, { en: EN, it: IT }, TEAM);
      assert.equal(await h.service.publishedNotice(), undefined);

      const published = await h.service.publishNotice(first.reference, TEAM);
      assert.deepEqual(published.notice?.publishedAt, ctx.clock.now());
      assert.deepEqual(await h.service.publishedNotice(), { incidentReference: first.reference, texts: { en: EN, it: IT } });
      assert.equal((await h.service.publishNotice(first.reference, TEAM)).reference, first.reference, 'publishing again is a no-op');
      const refusal = await refused(h.service.publishNotice(second.reference, TEAM), 'PSB_INCIDENT_ANOTHER_PUBLISHED');
      assert.match(refusal.message, new RegExp(first.reference));
      const race = await Promise.allSettled([h.service.withdrawNotice(first.reference, TEAM).then(() => h.service.publishNotice(second.reference, TEAM)), h.service.publishNotice(first.reference, TEAM)]);
      assert.ok(race.every((r) => r.status === 'fulfilled' || isAppError(r.reason, 'PSB_INCIDENT_ANOTHER_PUBLISHED')), 'a race ends in a clear refusal, never a database error');
      const now = await h.service.publishedNotice();
      assert.ok(now === undefined || [first.reference, second.reference].includes(now.incidentReference));
      if (now) await h.service.withdrawNotice(now.incidentReference, TEAM);
      await refused(h.service.withdrawNotice(first.reference, TEAM), 'PSB_INCIDENT_NOTICE_NOT_PUBLISHED');
      assert.equal(await h.service.publishedNotice(), undefined);
    });

    it('lets the Art. 34 notices go out only while it is published', async () => {
      const h = await concernHarness(ctx);
      const earlier = await h.service.publishedNotice();
      if (earlier) await h.service.withdrawNotice(earlier.incidentReference, TEAM);
      const incident = await newIncident(h.service);
      const [person] = await people(1);
      await h.service.importAffected(incident.reference, `email\n${person.email}\n`, TEAM);
      const claim = async (): Promise<string[]> => (await h.runtime.subjectNotices.claimDue(1000, 60_000)).filter((n) => n.incidentId === incident.id).map((n) => n.subjectId);
      assert.deepEqual(await claim(), [], 'no notice without published text');
      await h.service.setNotice(incident.reference, { en: EN }, TEAM);
      await h.service.publishNotice(incident.reference, TEAM);
      assert.deepEqual(await claim(), [person.id]);
      await h.service.withdrawNotice(incident.reference, TEAM);
    });

    it('audits every change of the notice', async () => {
      const h = await concernHarness(ctx);
      const earlier = await h.service.publishedNotice();
      if (earlier) await h.service.withdrawNotice(earlier.incidentReference, TEAM);
      const incident = await newIncident(h.service);
      await h.service.setNotice(incident.reference, { en: EN }, TEAM);
      await h.service.publishNotice(incident.reference, TEAM);
      await h.service.setNotice(incident.reference, { en: { ...EN, whatWeDo: 'We also reset passwords.' }, it: IT }, TEAM);
      await refused(h.service.setNotice(incident.reference, { it: IT }, TEAM), 'PSB_INCIDENT_NOTICE_INCOMPLETE', 'texts.en');
      await h.service.withdrawNotice(incident.reference, TEAM);
      const actions = (await ctx.ledger.db.query<{ action: string }>("SELECT action FROM audit_log WHERE entity_id = $1 AND action LIKE 'incident.notice.%' ORDER BY seq", [incident.id])).rows.map((r) => r.action);
      assert.deepEqual(actions, ['incident.notice.set', 'incident.notice.published', 'incident.notice.set', 'incident.notice.withdrawn']);
    });
  });
});
