import assert from 'node:assert/strict';
import { TaskSlots } from '../../src/concurrency/task-slots';

/** A task that runs until the test releases it, recording when it started. */
function gate(log: string[], name: string): { task: () => Promise<string>; release: () => void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    task: async () => {
      log.push(`start ${name}`);
      await released;
      return name;
    },
    release,
  };
}

describe('TaskSlots (tasks one instance runs at once: turns, ledger queries)', () => {
  it('runs at most `limit` tasks at once; the others start in arrival order as slots free', async () => {
    const slots = new TaskSlots(2);
    const log: string[] = [];
    const gates = ['a', 'b', 'c', 'd'].map((name) => gate(log, name));
    const results = gates.map((g) => slots.run(g.task));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(log, ['start a', 'start b']);
    assert.deepEqual(slots.load, { running: 2, waiting: 2 });
    gates[1].release();
    await results[1];
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(log, ['start a', 'start b', 'start c'], 'the first in line takes the freed slot');
    gates[0].release();
    gates[2].release();
    gates[3].release();
    assert.deepEqual(await Promise.all(results), ['a', 'b', 'c', 'd']);
    assert.deepEqual(log, ['start a', 'start b', 'start c', 'start d']);
    assert.deepEqual(slots.load, { running: 0, waiting: 0 });
  });

  it('frees the slot of a task that fails, and passes the failure on', async () => {
    const slots = new TaskSlots(1);
    await assert.rejects(slots.run(async () => Promise.reject(new Error('the ledger does not answer'))), /the ledger does not answer/);
    assert.equal(await slots.run(async () => 'next'), 'next');
    assert.deepEqual(slots.load, { running: 0, waiting: 0 });
  });

  it('refuses a limit that is not a whole number of at least 1', () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) assert.throws(() => new TaskSlots(limit), /at least 1/);
  });

  it('with a wait limit, a task that gets no slot in time leaves the line without running, and the others keep their order', async () => {
    const slots = new TaskSlots(1);
    const log: string[] = [];
    const [a, b, c] = ['a', 'b', 'c'].map((name) => gate(log, name));
    const first = slots.run(a.task);
    const late = slots.run(b.task, { limitMs: 20, error: () => new Error('no slot in time') });
    const patient = slots.run(c.task);
    await assert.rejects(late, /no slot in time/);
    assert.deepEqual(slots.load, { running: 1, waiting: 1 });
    a.release();
    c.release();
    assert.deepEqual(await Promise.all([first, patient]), ['a', 'c']);
    assert.deepEqual(log, ['start a', 'start c'], 'the task that gave up never ran');
    assert.deepEqual(slots.load, { running: 0, waiting: 0 });
  });
});

