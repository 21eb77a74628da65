import assert from 'node:assert/strict';
import { extensionBar, timeLeftSeconds, urgencyOf } from '../../../src/privacy/access/access-case-clock';

const NOW = new Date('2026-02-26T23:30:00Z');
const at = (ms: number): Date => new Date(NOW.getTime() + ms);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('access case clock (urgency and extension, as the privacy team sees them)', () => {
  it('bands open cases: overdue past the deadline in force, soon within 3 days (inclusive), later after', () => {
    const rows: [number, string, number][] = [
      [-1, 'overdue', -1],
      [-(2 * DAY + 1500), 'overdue', -(2 * 86_400 + 2)],
      [0, 'soon', 0],
      [3 * DAY, 'soon', 3 * 86_400],
      [3 * DAY + 1000, 'later', 3 * 86_400 + 1],
      [40 * DAY, 'later', 40 * 86_400],
    ];
    for (const [offset, urgency, seconds] of rows) {
      const c = { status: 'in_progress' as const, effectiveDueAt: at(offset) };
      assert.equal(urgencyOf(c, NOW), urgency, `${offset} ms`);
      assert.equal(timeLeftSeconds(c, NOW), seconds, `${offset} ms`);
    }
  });

  it('rounds an overdue case away from zero: a millisecond late is a second late, never 0', () => {
    assert.equal(timeLeftSeconds({ effectiveDueAt: at(-1) }, NOW), -1);
    assert.equal(timeLeftSeconds({ effectiveDueAt: at(999) }, NOW), 0);
  });

  it('gives closed cases no urgency, whatever their deadline', () => {
    for (const status of ['fulfilled', 'rejected', 'withdrawn'] as const) assert.equal(urgencyOf({ status, effectiveDueAt: at(-DAY) }, NOW), 'closed');
    assert.equal(urgencyOf({ status: 'awaiting_review', effectiveDueAt: at(-DAY) }, NOW), 'overdue');
  });

  it('allows an extension once, before the first deadline, where the regime has one', () => {
    const open = { status: 'in_progress' as const, dueAt: at(DAY), extendedDueAt: null, extensionReason: null, maxExtendedDueAt: at(61 * DAY) };
    assert.equal(extensionBar(open, NOW), null);
    assert.equal(extensionBar({ ...open, dueAt: NOW }, NOW), null, 'on the deadline itself still in time');
    assert.equal(extensionBar({ ...open, dueAt: at(-1) }, NOW), 'past_first_deadline');
    assert.equal(extensionBar({ ...open, maxExtendedDueAt: null }, NOW), 'none_in_regime');
    assert.equal(extensionBar({ ...open, extensionReason: 'complex', extendedDueAt: at(61 * DAY) }, NOW), 'already_extended');
    assert.equal(extensionBar({ ...open, status: 'rejected' }, NOW), 'closed');
  });
});
