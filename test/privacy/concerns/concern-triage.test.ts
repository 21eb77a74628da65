import assert from 'node:assert/strict';
import { isAppError } from '../../../src/errors/app-error';
import type { ErrorCode } from '../../../src/errors/codes';
import type { Ledger } from '../../../src/ledger/ledger';
import { forEachBackend } from '../../ledger/support/ledger-backends';
import { concernHarness, CUSTOMER, newConcern, TEAM } from './concern-service-support';

const HOUR_MS = 60 * 60 * 1000;

/** Asserts an AppError with this code (and, when given, naming this field), and returns it. */
async function refused(promise: Promise<unknown>, code: ErrorCode, field?: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isAppError(err, code), `expected ${code}, got ${String((err as { code?: unknown }).code)}: ${(err as Error).message}`);
    if (field !== undefined) assert.equal(err.details.field, field);
    return true;
  });
}

/** Rows of every table a triage writes, to show a refusal wrote nothing. */
async function footprint(ledger: Ledger): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['concern_status', 'incident', 'incident_phase', 'audit_log', 'webhook_delivery', 'concern_message']) {
    counts[table] = Number((await ledger.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  }
  return counts;
}

forEachBackend('concerns: triage and incidents', (ctx) => {
  describe('confirming a breach', () => {
    it('starts the clock at now by default, under the reporting customer’s regime, in a new incident named by the team', async () => {
      const h = await concernHarness(ctx);
      const subject = await ctx.ledger.subjects.register({ identifiers: [{ kind: 'email', value: `lgpd-${Date.now()}@example.com` }], regime: 'lgpd' }, CUSTOMER);
      const { reference } = await h.service.report(newConcern({ subjectId: subject.id }), CUSTOMER);
      const incident = await h.service.confirmBreach(reference, { title: 'Orders sent to the wrong customers' }, TEAM);
      assert.match(incident.reference, /^INC-2026-[0-9A-Z]{6}-[0-9A-Z]$/);
      assert.deepEqual([incident.title, incident.state, incident.awarenessAt, incident.regimes], ['Orders sent to the wrong customers', 'open', ctx.clock.now(), ['lgpd']]);
      // 29 November 2026 is a Sunday: Monday, Tuesday, Wednesday in São Paulo.
      assert.deepEqual(incident.clocks.map((c) => [c.regime, c.dueAt?.toISOString(), c.rule]), [['lgpd', '2026-12-03T02:59:59.999Z', '3 working days']]);
      assert.deepEqual(incident.concernReferences, [reference]);
      assert.equal(incident.record.dpoContact, 'Data Protection Officer, privacy@example.com, +39 02 0000 0000', 'the record starts with the DPO contact');
      assert.equal(incident.record.dataCategories, 'marketing_offers');
      const concern = await h.service.find(reference);
      assert.deepEqual([concern?.state, concern?.awarenessAt, concern?.incidentReference], ['confirmed_breach', ctx.clock.now(), incident.reference]);
    });

    it('runs an anonymous report’s clock under the controller’s regime (config/controller.json defaultRegime: GDPR, 72 hours)', async () => {
      const h = await concernHarness(ctx);
      const { reference } = await h.service.report(newConcern(), CUSTOMER);
      const incident = await h.service.confirmBreach(reference, {}, TEAM);
      assert.deepEqual(incident.regimes, ['gdpr']);
      assert.equal(incident.title, reference, 'untitled: named after the report');
      assert.equal(incident.clocks[0].dueAt!.getTime() - ctx.clock.now().getTime(), 72 * HOUR_MS);
    });

    it('takes an earlier awareness with its reason, and refuses one without a reason or one later than now, writing nothing', async () => {
      const h = await concernHarness(ctx);
      const { reference } = await h.service.report(newConcern(), CUSTOMER);
      const before = await footprint(ctx.ledger);
      const future = new Date(ctx.clock.now().getTime() + 1000);
      await refused(h.service.confirmBreach(reference, { awarenessAt: future, awarenessReason: 'typo' }, TEAM), 'PSB_CONCERN_AWARENESS_IN_FUTURE', 'awarenessAt');
      const yesterday = new Date(ctx.clock.now().getTime() - 24 * HOUR_MS);
      await refused(h.service.confirmBreach(reference, { awarenessAt: yesterday }, TEAM), 'PSB_CONCERN_REASON_REQUIRED', 'awarenessReason');
      await refused(h.service.confirmBreach(reference, { awarenessAt: yesterday, awarenessReason: '   ' }, TEAM), 'PSB_CONCERN_REASON_REQUIRED', 'awarenessReason');
      assert.deepEqual(await footprint(ctx.ledger), before, 'nothing was written');
      const incident = await h.service.confirmBreach(reference, { awarenessAt: yesterday, awarenessReason: 'the call centre logged it yesterday' }, TEAM);
      assert.deepEqual(incident.awarenessAt, yesterday);
      assert.equal(incident.clocks[0].dueAt?.toISOString(), new Date(yesterday.getTime() + 72 * HOUR_MS).toISOString(), 'the clock runs from the earlier awareness');
      const draft = await h.service.notificationDraft(incident.reference);
      assert.equal((draft.json.incident as { awarenessReason: string }).awarenessReason, 'the call centre logged it yesterday');
    });

    it('joins a named incident: the earliest awareness wins, and the regimes grow with the reporter’s', async () => {
      const h = await concernHarness(ctx);
      const first = await h.service.report(newConcern(), CUSTOMER);
      const incident = await h.service.confirmBreach(first.reference, {}, TEAM);
      const canadian = await ctx.ledger.subjects.register({ identifiers: [{ kind: 'email', value: `pipeda-${Date.now()}@example.com` }], regime: 'pipeda' }, CUSTOMER);
      const second = await h.service.report(newConcern({ subjectId: canadian.id }), CUSTOMER);
      const earlier = new Date(ctx.clock.now().getTime() - 2 * HOUR_MS);
      const joined = await h.service.confirmBreach(second.reference, { incidentReference: incident.reference, awarenessAt: earlier, awarenessReason: 'seen in the logs two hours before' }, TEAM);
      assert.equal(joined.reference, incident.reference);
      assert.deepEqual(joined.awarenessAt, earlier);
      assert.deepEqual(joined.regimes, ['gdpr', 'pipeda']);
      assert.deepEqual(joined.clocks.map((c) => [c.regime, c.dueAt?.toISOString() ?? null, c.rule]), [
        ['gdpr', new Date(earlier.getTime() + 72 * HOUR_MS).toISOString(), '72 hours'],
        ['pipeda', null, 'as soon as feasible'],
      ]);
      assert.deepEqual([...joined.concernReferences].sort(), [first.reference, second.reference].sort());
    });

    it('refuses an unknown concern or incident, naming the field', async () => {
      const h = await concernHarness(ctx);
      await refused(h.service.confirmBreach('CNC-2026-000000-0', {}, TEAM), 'PSB_LEDGER_INVALID_INPUT', 'reference');
      const { reference } = await h.service.report(newConcern(), CUSTOMER);
      await refused(h.service.confirmBreach(reference, { incidentReference: 'INC-2026-000000-0' }, TEAM), 'PSB_LEDGER_INVALID_INPUT', 'incidentReference');
      await refused(h.service.mergeInto(reference, 'INC-2026-000000-0', TEAM), 'PSB_LEDGER_INVALID_INPUT', 'incidentReference');
      assert.equal((await h.service.find(reference))?.state, 'reported');
    });
  });

  describe('dismissing and merging', () => {
    it('dismisses with a reason only, and keeps the reason in the history', async () => {
      const h = await concernHarness(ctx);
      const { reference } = await h.service.report(newConcern({ topic: 'use' }), CUSTOMER);
      await refused(h.service.dismiss(reference, '  ', TEAM), 'PSB_CONCERN_REASON_REQUIRED', 'reason');
      const dismissed = await h.service.dismiss(reference, 'the email was our own newsletter, sent with consent', TEAM);
      assert.equal(dismissed.state, 'dismissed');
      assert.deepEqual(dismissed.history.map((e) => [e.state, e.reason, e.actor]), [
        ['reported', null, CUSTOMER.actor],
        ['dismissed', 'the email was our own newsletter, sent with consent', TEAM.actor],
      ]);
    });

    it('merges a report into an existing incident', async () => {
      const h = await concernHarness(ctx);
      const first = await h.service.report(newConcern(), CUSTOMER);
      const incident = await h.service.confirmBreach(first.reference, {}, TEAM);
      const duplicate = await h.service.report(newConcern({ description: 'Same here: someone else’s order in my inbox' }), CUSTOMER);
      const merged = await h.service.mergeInto(duplicate.reference, incident.reference, TEAM);
      assert.deepEqual([merged.state, merged.incidentReference, merged.awarenessAt], ['merged', incident.reference, null]);
      assert.deepEqual([...((await h.service.incident(incident.reference))?.concernReferences ?? [])].sort(), [first.reference, duplicate.reference].sort());
    });

    it('takes no second triage: a confirmed, dismissed or merged concern refuses the others, writing nothing', async () => {
      const h = await concernHarness(ctx);
      const a = await h.service.report(newConcern(), CUSTOMER);
      const incident = await h.service.confirmBreach(a.reference, {}, TEAM);
      const b = await h.service.report(newConcern(), CUSTOMER);
      await h.service.dismiss(b.reference, 'not a breach', TEAM);
      const c = await h.service.report(newConcern(), CUSTOMER);
      await h.service.mergeInto(c.reference, incident.reference, TEAM);
      const before = await footprint(ctx.ledger);
      for (const reference of [a.reference, b.reference, c.reference]) {
        await refused(h.service.confirmBreach(reference, {}, TEAM), 'PSB_CONCERN_ALREADY_TRIAGED');
        await refused(h.service.dismiss(reference, 'again', TEAM), 'PSB_CONCERN_ALREADY_TRIAGED');
        await refused(h.service.mergeInto(reference, incident.reference, TEAM), 'PSB_CONCERN_ALREADY_TRIAGED');
      }
      assert.deepEqual(await footprint(ctx.ledger), before);
    });

    it('lists reports to triage first, suspected breaches first among them, and the triaged ones only when asked', async () => {
      const h = await concernHarness(ctx);
      const use = await h.service.report(newConcern({ topic: 'use' }), CUSTOMER);
      ctx.clock.advance(1000);
      const breach = await h.service.report(newConcern(), CUSTOMER);
      ctx.clock.advance(1000);
      const later = await h.service.report(newConcern({ topic: 'other' }), CUSTOMER);
      const dismissed = await h.service.report(newConcern({ topic: 'other' }), CUSTOMER);
      await h.service.dismiss(dismissed.reference, 'spam', TEAM);
      const open = (await h.service.list()).map((c) => c.reference);
      assert.ok(open.indexOf(breach.reference) < open.indexOf(later.reference) && open.indexOf(later.reference) < open.indexOf(use.reference), open.join(' '));
      assert.ok(!open.includes(dismissed.reference));
      const all = (await h.service.list({ includeClosed: true })).map((c) => c.reference);
      assert.ok(all.indexOf(dismissed.reference) > all.indexOf(use.reference), 'triaged ones after those to triage');
    });
  });

  describe('the Art. 33(3) record in phases', () => {
    it('adds information in phases, each recording the fields it changed and audited', async () => {
      const h = await concernHarness(ctx);
      const { reference } = await h.service.report(newConcern(), CUSTOMER);
      const incident = await h.service.confirmBreach(reference, {}, TEAM);
      ctx.clock.advance(HOUR_MS);
      await h.service.addPhase(incident.reference, { nature: 'order confirmations sent to the wrong address', approxSubjects: 120 }, TEAM);
      ctx.clock.advance(HOUR_MS);
      const after = await h.service.addPhase(incident.reference, { approxSubjects: 140, approxRecords: 140, measures: 'mail job stopped', nature: 'order confirmations sent to the wrong address' }, { actor: 'agent:dpo', reason: 'second phase' });
      assert.deepEqual(after.phases.map((p) => [p.seq, p.actor, p.fields]), [
        [1, TEAM.actor, ['dataCategories', 'dpoContact']],
        [2, TEAM.actor, ['nature', 'approxSubjects']],
        [3, 'agent:dpo', ['approxSubjects', 'approxRecords', 'measures']],
      ]);
      assert.deepEqual([after.record.nature, after.record.approxSubjects, after.record.approxRecords, after.record.measures], ['order confirmations sent to the wrong address', 140, 140, 'mail job stopped']);
      const audit = (await ctx.ledger.db.query<{ action: string; actor: string; details: { seq: number; fields: string[] } | string }>("SELECT action, actor, details FROM audit_log WHERE entity_id = $1 AND action = 'incident.phase' ORDER BY seq", [incident.id])).rows;
      const details = audit.map((a) => (typeof a.details === 'string' ? (JSON.parse(a.details) as { seq: number; fields: string[] }) : a.details));
      assert.deepEqual(audit.map((a, i) => [a.actor, details[i].seq, details[i].fields]), [
        [TEAM.actor, 2, ['nature', 'approxSubjects']],
        ['agent:dpo', 3, ['approxSubjects', 'approxRecords', 'measures']],
      ]);
      assert.ok(!JSON.stringify(details).includes('wrong address'), 'the audit names the fields, not the text');
    });

    it('refuses a phase that changes nothing, an unknown field and a wrong number, writing nothing', async () => {
      const h = await concernHarness(ctx);
      const { reference } = await h.service.report(newConcern(), CUSTOMER);
      const incident = await h.service.confirmBreach(reference, {}, TEAM);
      const before = await footprint(ctx.ledger);
      await refused(h.service.addPhase(incident.reference, {}, TEAM), 'PSB_LEDGER_INVALID_INPUT', 'fields');
      await refused(h.service.addPhase(incident.reference, { dpoContact: incident.record.dpoContact }, TEAM), 'PSB_LEDGER_INVALID_INPUT', 'fields');
      await refused(h.service.addPhase(incident.reference, { severity: 'high' } as never, TEAM), 'PSB_LEDGER_INVALID_INPUT', 'severity');
      await refused(h.service.addPhase(incident.reference, { approxSubjects: -3 }, TEAM), 'PSB_LEDGER_INVALID_INPUT', 'approxSubjects');
      assert.deepEqual(await footprint(ctx.ledger), before);
    });

    it('records the notification once; after the deadline only with the reasons for the delay', async () => {
      const h = await concernHarness(ctx);
      const { reference } = await h.service.report(newConcern(), CUSTOMER);
      const incident = await h.service.confirmBreach(reference, {}, TEAM);
      ctx.clock.advance(73 * HOUR_MS);
      await refused(h.service.markNotified(incident.reference, TEAM), 'PSB_INCIDENT_DELAY_REASONS_REQUIRED', 'delayReasons');
      await h.service.addPhase(incident.reference, { delayReasons: 'the scope was only known after the supplier’s report' }, TEAM);
      const notified = await h.service.markNotified(incident.reference, TEAM);
      assert.equal(notified.state, 'notified');
      await refused(h.service.markNotified(incident.reference, TEAM), 'PSB_INCIDENT_ALREADY_NOTIFIED');
    });
  });

  describe('the notification draft', () => {
    it('gives the facts as JSON and as a readable page where every typed text is inert', async () => {
      const h = await concernHarness(ctx);
      const { reference } = await h.service.report(newConcern(), CUSTOMER);
      const incident = await h.service.confirmBreach(reference, { title: '<img src=x onerror=alert(1)> breach' }, TEAM);
      await h.service.addPhase(incident.reference, { nature: '<script>alert("nature")</script> & more', approxSubjects: 12 }, TEAM);
      const draft = await h.service.notificationDraft(incident.reference);
      const json = draft.json as { format: string; incident: { reference: string; title: string }; clocks: { regime: string; authority: string; dueAt: string }[]; record: { nature: string; approxSubjects: number }; late: boolean };
      assert.equal(json.format, 'psb-breach-notification-draft/1');
      assert.deepEqual([json.incident.reference, json.incident.title], [incident.reference, '<img src=x onerror=alert(1)> breach']);
      assert.deepEqual([json.record.nature, json.record.approxSubjects, json.late], ['<script>alert("nature")</script> & more', 12, false]);
      assert.match(json.clocks[0].authority, /Garante/);
      assert.equal(json.clocks[0].dueAt, new Date(ctx.clock.now().getTime() + 72 * HOUR_MS).toISOString());
      assert.doesNotMatch(draft.html, /<script|<img/i, 'no markup from typed text');
      assert.match(draft.html, /&lt;script&gt;alert\(&quot;nature&quot;\)&lt;\/script&gt; &amp; more/);
      assert.match(draft.html, /&lt;img src=x onerror=alert\(1\)&gt; breach/);
      assert.match(draft.html, /<html lang="en">/);
      assert.match(draft.html, /Personal data breach: notification draft/);
      assert.doesNotMatch(draft.html, /<link|<[a-z]+[^>]*\s(src|href)=/i, 'self-contained: it loads nothing');
      const italian = await h.service.notificationDraft(incident.reference, { locale: 'it' });
      assert.match(italian.html, /<html lang="it">/);
      assert.match(italian.html, /Natura della violazione/);
    });
  });
});
