import assert from 'node:assert/strict';
import { StartupTimeline } from '../../src/startup/startup-timeline';

describe('StartupTimeline (the `start-up: ready` line)', () => {
  it('times each step on its clock, a failing one too, and says when the start was ready', async () => {
    let now = 100;
    const timeline = new StartupTimeline(() => now);
    timeline.record('nodeAndEntry', 99.6);
    await timeline.phase('modules', () => {
      now += 600;
    });
    await assert.rejects(
      timeline.phase('ledger', async () => {
        now += 250.4;
        throw new Error('locked');
      }),
      /locked/,
    );
    const summary = timeline.summary();
    assert.deepEqual(summary.phases, { nodeAndEntry: 100, modules: 600, ledger: 250 });
    assert.equal(summary.readyMs, 950);
    assert.ok(summary.cpuMs > 0, 'the CPU this process used so far');
  });
});
