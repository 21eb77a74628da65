import assert from 'node:assert/strict';
import { Storage, StoreItem } from 'botbuilder';
import { AppError } from '../../src/errors/app-error';
import { CREATE_ONLY_ETAG } from '../../src/state/etag';

function isConflict(key: string) {
  return (err: unknown): boolean => err instanceof AppError && err.code === 'PSB_STATE_CONFLICT' && err.message.includes(key);
}

async function readOne(storage: Storage, key: string): Promise<StoreItem | undefined> {
  return (await storage.read([key]))[key];
}

/**
 * The contract every session storage of ours keeps, so the turn runner's no-lost-update
 * guarantee holds whichever backend runs. `factory` gives a fresh, empty storage.
 */
export function describeStorageConformance(name: string, factory: () => Promise<Storage>): void {
  describe(`${name}: storage conformance`, () => {
    let storage: Storage;
    beforeEach(async () => {
      storage = await factory();
    });

    it('missing keys are absent on read', async () => {
      assert.deepEqual(await storage.read(['nope', 'also-nope']), {});
    });

    it('creates, then reads back the document with an eTag', async () => {
      await storage.write({ k: { count: 1, nested: { a: [1, 2] } } });
      const item = await readOne(storage, 'k');
      assert.deepEqual({ ...item, eTag: undefined }, { count: 1, nested: { a: [1, 2] }, eTag: undefined });
      assert.equal(typeof item?.eTag, 'string');
      assert.notEqual(item?.eTag, '');
    });

    it('updates with the matching eTag and hands out a new one', async () => {
      await storage.write({ k: { count: 1 } });
      const read = await readOne(storage, 'k');
      const change = { ...read, count: 2 };
      await storage.write({ k: change });
      const after = await readOne(storage, 'k');
      assert.equal(after?.count, 2);
      assert.notEqual(after?.eTag, read?.eTag);
      assert.equal(change.eTag, after?.eTag, 'the written object carries its new eTag');
    });

    it('rejects a stale eTag, naming the key, and keeps the stored value', async () => {
      await storage.write({ k: { count: 1 } });
      const stale = await readOne(storage, 'k');
      await storage.write({ k: { ...stale, count: 2 } });
      await assert.rejects(storage.write({ k: { ...stale, count: 99 } }), isConflict('k'));
      assert.equal((await readOne(storage, 'k'))?.count, 2);
    });

    it("'*' and a missing eTag overwrite unconditionally", async () => {
      await storage.write({ k: { count: 1 } });
      await storage.write({ k: { count: 2, eTag: '*' } });
      assert.equal((await readOne(storage, 'k'))?.count, 2);
      await storage.write({ k: { count: 3 } });
      assert.equal((await readOne(storage, 'k'))?.count, 3);
    });

    it('create-only succeeds once: a second creator of the same key conflicts', async () => {
      await storage.write({ fresh: { who: 'first', eTag: CREATE_ONLY_ETAG } });
      await assert.rejects(storage.write({ fresh: { who: 'second', eTag: CREATE_ONLY_ETAG } }), isConflict('fresh'));
      assert.equal((await readOne(storage, 'fresh'))?.who, 'first');
    });

    it('writes several keys in one call, all or nothing', async () => {
      await storage.write({ a: { v: 1 }, b: { v: 1 } });
      const items = await storage.read(['a', 'b']);
      await storage.write({ b: { ...items.b, v: 2 } });
      // a's eTag is fine, b's is stale: nothing of this write may land.
      await assert.rejects(storage.write({ a: { ...items.a, v: 10 }, b: { ...items.b, v: 10 }, c: { v: 10 } }), isConflict('b'));
      const after = await storage.read(['a', 'b', 'c']);
      assert.equal(after.a?.v, 1);
      assert.equal(after.b?.v, 2);
      assert.equal(after.c, undefined);
    });

    it('deletes keys, and deleting an unknown key is fine', async () => {
      await storage.write({ gone: { v: 1 }, kept: { v: 1 } });
      await storage.delete(['gone', 'never-existed']);
      assert.deepEqual(Object.keys(await storage.read(['gone', 'kept'])), ['kept']);
    });

    it('keys with odd characters round-trip', async () => {
      const keys = ['msteams/conversations/a:b/c', 'with space', 'ünïcødé/🙂', 'colon:only', ''.padEnd(300, 'x')];
      await storage.write(Object.fromEntries(keys.map((k, i) => [k, { i }])));
      const items = await storage.read(keys);
      assert.deepEqual(keys.map((k) => items[k]?.i), keys.map((_, i) => i));
    });
  });
}
