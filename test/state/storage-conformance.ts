import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Storage, StoreItem } from 'botbuilder';
import { isAppError } from '../../src/errors/app-error';
import { CREATE_ONLY_ETAG } from '../../src/state/etag';
import { isStateConflict } from '../../src/state/state-errors';

/** Makes the key a case uses for `name`, unique to that case's run. */
type KeyOf = (name: string) => string;

interface ConformanceCase {
  readonly id: ConformanceCaseId;
  readonly title: string;
  run(storage: Storage, key: KeyOf): Promise<void>;
}

export type ConformanceCaseId =
  | 'empty-calls'
  | 'missing-absent'
  | 'create-read-back'
  | 'read-returns-copies'
  | 'stored-without-caller-etag'
  | 'update-matching-etag'
  | 'stale-etag-rejected'
  | 'conflict-names-key'
  | 'conflict-is-state-conflict-error'
  | 'etag-on-missing-key-conflicts'
  | 'etag-from-before-delete-conflicts'
  | 'star-overwrites'
  | 'no-etag-overwrites'
  | 'create-only'
  | 'multi-key-write'
  | 'multi-key-atomic'
  | 'caller-object-gets-new-etag'
  | 'delete'
  | 'delete-unknown'
  | 'odd-keys';

export interface StorageConformanceOptions {
  /**
   * Cases a third-party storage is known to fail, each with the reason. Such a case still runs
   * and must still fail an assertion (an error of another kind fails the test): the day the
   * storage starts keeping the contract, the test fails and the entry has to go. The contract
   * itself is the same for every storage.
   * @default {}
   */
  readonly knownDivergences?: Partial<Record<ConformanceCaseId, string>>;
}

async function readOne(storage: Storage, key: string): Promise<StoreItem | undefined> {
  return (await storage.read([key]))[key];
}

/** The document without its eTag, to compare contents. */
function contentOf(item: StoreItem | undefined): Record<string, unknown> | undefined {
  if (item === undefined) return undefined;
  const { eTag: _eTag, ...doc } = item;
  return doc;
}

/** The write must reject (a conflict); which error is checked by the conflict-error cases. */
async function assertRejected(write: Promise<void>, what: string): Promise<void> {
  await assert.rejects(write, (err: unknown) => err instanceof Error, what);
}

async function staleConflictOn(storage: Storage, key: string): Promise<unknown> {
  await storage.write({ [key]: { v: 1 } });
  const stale = await readOne(storage, key);
  await storage.write({ [key]: { v: 2 } });
  try {
    await storage.write({ [key]: { ...stale, v: 3 } });
  } catch (err) {
    return err;
  }
  assert.fail('a write with a stale eTag was accepted');
}

const DOCUMENT = { count: 1, nested: { list: [1, 'two', null, { three: true }] }, text: 'Grüße, 東京 🙂 "quoted" \\ back', flag: false, nothing: null, ratio: 0.25 };

const ODD_KEYS = [
  'msteams/conversations/a:b/c',
  'with space',
  'ünïcødé/東京/🙂',
  'colon:only::',
  'glob*?[x]{y}',
  'quote"and\'\\back',
  'line\nbreak\ttab',
  'x'.repeat(300),
];

const CASES: readonly ConformanceCase[] = [
  {
    id: 'empty-calls',
    title: 'reading, writing and deleting nothing are no-ops',
    run: async (storage) => {
      assert.deepEqual(await storage.read([]), {});
      await storage.write({});
      await storage.delete([]);
    },
  },
  {
    id: 'missing-absent',
    title: 'missing keys are absent from a read, next to one that exists',
    run: async (storage, key) => {
      assert.deepEqual(await storage.read([key('nope'), key('also-nope')]), {});
      await storage.write({ [key('here')]: { v: 1 } });
      assert.deepEqual(Object.keys(await storage.read([key('nope'), key('here'), key('also-nope')])), [key('here')]);
    },
  },
  {
    id: 'create-read-back',
    title: 'creates a document and reads it back, JSON types intact, with a string eTag',
    run: async (storage, key) => {
      await storage.write({ [key('doc')]: structuredClone(DOCUMENT) });
      const item = await readOne(storage, key('doc'));
      assert.deepEqual(contentOf(item), DOCUMENT);
      assert.equal(typeof item?.eTag, 'string');
      assert.notEqual(item?.eTag, '');
      assert.notEqual(item?.eTag, '*');
    },
  },
  {
    id: 'read-returns-copies',
    title: 'a read returns copies: changing one changes nothing stored',
    run: async (storage, key) => {
      await storage.write({ [key('doc')]: { list: [1] } });
      const first = await readOne(storage, key('doc'));
      (first?.list as number[]).push(2);
      assert.deepEqual((await readOne(storage, key('doc')))?.list, [1]);
    },
  },
  {
    id: 'stored-without-caller-etag',
    title: "the stored document does not keep the caller's eTag",
    run: async (storage, key) => {
      await storage.write({ [key('doc')]: { v: 1, eTag: '*' } });
      const read = await readOne(storage, key('doc'));
      assert.notEqual(read?.eTag, '*');
      await storage.write({ [key('doc')]: { ...read, v: 2 } });
      const again = await readOne(storage, key('doc'));
      assert.notEqual(again?.eTag, read?.eTag, 'every write hands out a new eTag');
    },
  },
  {
    id: 'update-matching-etag',
    title: 'updates with the eTag it read, and the eTag changes',
    run: async (storage, key) => {
      await storage.write({ [key('doc')]: { v: 1 } });
      const read = await readOne(storage, key('doc'));
      await storage.write({ [key('doc')]: { ...read, v: 2 } });
      const after = await readOne(storage, key('doc'));
      assert.equal(after?.v, 2);
      assert.notEqual(after?.eTag, read?.eTag);
    },
  },
  {
    id: 'stale-etag-rejected',
    title: 'rejects a write with a stale eTag and keeps the stored value',
    run: async (storage, key) => {
      await storage.write({ [key('doc')]: { v: 1 } });
      const stale = await readOne(storage, key('doc'));
      await storage.write({ [key('doc')]: { ...stale, v: 2 } });
      await assertRejected(storage.write({ [key('doc')]: { ...stale, v: 99 } }), 'stale eTag accepted');
      assert.deepEqual(contentOf(await readOne(storage, key('doc'))), { v: 2 });
    },
  },
  {
    id: 'conflict-names-key',
    title: 'the conflict error message names the key',
    run: async (storage, key) => {
      const err = await staleConflictOn(storage, key('channel/conversations/named'));
      assert.ok(err instanceof Error && err.message.includes(key('channel/conversations/named')), `message: ${String(err)}`);
    },
  },
  {
    id: 'conflict-is-state-conflict-error',
    title: 'the conflict error is a StateConflictError: code PSB_STATE_CONFLICT, details.key',
    run: async (storage, key) => {
      const err = await staleConflictOn(storage, key('channel/conversations/coded'));
      assert.ok(isStateConflict(err), `not a StateConflictError: ${String(err)}`);
      assert.ok(isAppError(err, 'PSB_STATE_CONFLICT'));
      assert.deepEqual(err.details, { key: key('channel/conversations/coded') });
    },
  },
  {
    id: 'etag-on-missing-key-conflicts',
    title: 'a write with an eTag to a key that does not exist conflicts, and creates nothing',
    run: async (storage, key) => {
      await assertRejected(storage.write({ [key('ghost')]: { v: 1, eTag: 'an-etag-read-elsewhere' } }), 'eTag on a missing key accepted');
      assert.equal(await readOne(storage, key('ghost')), undefined);
    },
  },
  {
    id: 'etag-from-before-delete-conflicts',
    title: 'an eTag read before the key was deleted conflicts, and creates nothing',
    run: async (storage, key) => {
      await storage.write({ [key('doc')]: { v: 1 } });
      const read = await readOne(storage, key('doc'));
      await storage.delete([key('doc')]);
      await assertRejected(storage.write({ [key('doc')]: { ...read, v: 2 } }), 'eTag of a deleted key accepted');
      assert.equal(await readOne(storage, key('doc')), undefined);
    },
  },
  {
    id: 'star-overwrites',
    title: "'*' overwrites whatever is stored",
    run: async (storage, key) => {
      await storage.write({ [key('doc')]: { v: 1 } });
      await storage.write({ [key('doc')]: { v: 2, eTag: '*' } });
      assert.deepEqual(contentOf(await readOne(storage, key('doc'))), { v: 2 });
      await storage.write({ [key('new')]: { v: 1, eTag: '*' } });
      assert.deepEqual(contentOf(await readOne(storage, key('new'))), { v: 1 });
    },
  },
  {
    id: 'no-etag-overwrites',
    title: 'no eTag (or an empty one) overwrites whatever is stored',
    run: async (storage, key) => {
      await storage.write({ [key('doc')]: { v: 1 } });
      await storage.write({ [key('doc')]: { v: 2 } });
      assert.deepEqual(contentOf(await readOne(storage, key('doc'))), { v: 2 });
      await storage.write({ [key('doc')]: { v: 3, eTag: '' } });
      assert.deepEqual(contentOf(await readOne(storage, key('doc'))), { v: 3 });
    },
  },
  {
    id: 'create-only',
    title: `create-only ('${CREATE_ONLY_ETAG}') creates once; a second creator conflicts`,
    run: async (storage, key) => {
      await storage.write({ [key('fresh')]: { who: 'first', eTag: CREATE_ONLY_ETAG } });
      await assertRejected(storage.write({ [key('fresh')]: { who: 'second', eTag: CREATE_ONLY_ETAG } }), 'second create accepted');
      assert.deepEqual(contentOf(await readOne(storage, key('fresh'))), { who: 'first' });
    },
  },
  {
    id: 'multi-key-write',
    title: 'writes several keys in one call, each with its own eTag',
    run: async (storage, key) => {
      await storage.write({ [key('a')]: { v: 'a' }, [key('b')]: { v: 'b' }, [key('c')]: { v: 'c' } });
      const items = await storage.read([key('a'), key('b'), key('c')]);
      assert.deepEqual([key('a'), key('b'), key('c')].map((k) => items[k]?.v), ['a', 'b', 'c']);
      assert.equal(new Set(Object.values(items).map((item) => item.eTag)).size, 3);
    },
  },
  {
    id: 'multi-key-atomic',
    title: 'a write of several keys with one stale eTag writes none of them',
    run: async (storage, key) => {
      await storage.write({ [key('a')]: { v: 1 }, [key('b')]: { v: 1 } });
      const items = await storage.read([key('a'), key('b')]);
      await storage.write({ [key('b')]: { ...items[key('b')], v: 2 } });
      // a's eTag is current, b's is stale, c is new without eTag: nothing of this write may land.
      const write = storage.write({ [key('a')]: { ...items[key('a')], v: 10 }, [key('b')]: { ...items[key('b')], v: 10 }, [key('c')]: { v: 10 } });
      await assertRejected(write, 'a write with a stale key accepted');
      const after = await storage.read([key('a'), key('b'), key('c')]);
      assert.deepEqual(contentOf(after[key('a')]), { v: 1 }, 'the key with the current eTag was not written');
      assert.deepEqual(contentOf(after[key('b')]), { v: 2 });
      assert.equal(after[key('c')], undefined, 'the new key was not created');
    },
  },
  {
    id: 'caller-object-gets-new-etag',
    title: "after a write, the caller's object carries the new eTag, so writing it again succeeds",
    run: async (storage, key) => {
      await storage.write({ [key('doc')]: { v: 1 } });
      const change: StoreItem = { ...(await readOne(storage, key('doc'))), v: 2 };
      await storage.write({ [key('doc')]: change });
      assert.equal(change.eTag, (await readOne(storage, key('doc')))?.eTag);
      change.v = 3;
      await storage.write({ [key('doc')]: change });
      assert.deepEqual(contentOf(await readOne(storage, key('doc'))), { v: 3 });
    },
  },
  {
    id: 'delete',
    title: 'deletes several keys in one call and keeps the others',
    run: async (storage, key) => {
      await storage.write({ [key('gone1')]: { v: 1 }, [key('gone2')]: { v: 1 }, [key('kept')]: { v: 1 } });
      await storage.delete([key('gone1'), key('gone2')]);
      assert.deepEqual(Object.keys(await storage.read([key('gone1'), key('gone2'), key('kept')])), [key('kept')]);
    },
  },
  {
    id: 'delete-unknown',
    title: 'deleting a key that does not exist is fine',
    run: async (storage, key) => {
      await storage.delete([key('never-existed')]);
      assert.equal(await readOne(storage, key('never-existed')), undefined);
    },
  },
  {
    id: 'odd-keys',
    title: 'keys with /, :, spaces, glob and quote characters, unicode and 300 characters work',
    run: async (storage, key) => {
      const keys = ODD_KEYS.map(key);
      await storage.write(Object.fromEntries(keys.map((k, i) => [k, { i }])));
      const items = await storage.read(keys);
      assert.deepEqual(keys.map((k) => items[k]?.i), keys.map((_, i) => i));
      await storage.write(Object.fromEntries(keys.map((k, i) => [k, { ...items[k], i: i + 100 }])));
      const updated = await storage.read(keys);
      assert.deepEqual(keys.map((k) => updated[k]?.i), keys.map((_, i) => i + 100));
      await assertRejected(storage.write({ [keys[0]]: { ...items[keys[0]], i: -1 } }), 'stale eTag on an odd key accepted');
      await storage.delete(keys);
      assert.deepEqual(await storage.read(keys), {});
    },
  },
];

/**
 * The contract every session storage keeps, so the turn runner's no-lost-update guarantee
 * holds whichever backend runs: absent keys, eTags handed out per write, stale eTags rejected
 * with StateConflictError and nothing written, '*' and no eTag unconditional, create-only,
 * writes atomic across keys, deletes, keys with any characters. `factory` is called before
 * each case; every case uses keys of its own, so a shared backend is fine.
 */
export function describeStorageConformance(name: string, factory: () => Storage | Promise<Storage>, options: StorageConformanceOptions = {}): void {
  describe(`${name}: storage conformance`, () => {
    let storage: Storage;
    beforeEach(async () => {
      storage = await factory();
    });

    for (const conformance of CASES) {
      // Keys of their own per case and run: no case sees another's data, even on a shared backend.
      const runCase = (): Promise<void> => {
        const run = `${conformance.id}-${randomBytes(4).toString('hex')}`;
        return conformance.run(storage, (keyName) => `${run}/${keyName}`);
      };
      const divergence = options.knownDivergences?.[conformance.id];
      if (divergence === undefined) {
        it(conformance.title, runCase);
        continue;
      }
      it(`${conformance.title} — known divergence: ${divergence}`, async () => {
        let failure: unknown;
        try {
          await runCase();
        } catch (err) {
          failure = err;
        }
        if (failure === undefined) assert.fail(`${name} now passes "${conformance.title}": remove '${conformance.id}' from knownDivergences`);
        if (!(failure instanceof assert.AssertionError)) throw failure;
      });
    }
  });
}
