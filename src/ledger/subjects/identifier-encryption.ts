import { SqlDatabase, SqlExecutor } from '../db/sql-database';
import { IdentifierCipher, unknownKeyError } from './identifier-cipher';

/** Rows sealed per statement (and, in `rotateIdentifierKey`, per transaction). */
const BATCH_ROWS = 500;

interface StoredIdentifierRow {
  kind: string;
  lookup_hash: string;
  value: string | null;
  value_ciphertext: string | null;
  key_id: string | null;
}

/** What `ledger rotate-key` did; running it again reports zero re-encrypted rows. */
export interface KeyRotationReport {
  /** Id of LEDGER_ENCRYPTION_KEY, now sealing every identifier. */
  readonly keyId: string;
  /** Rows that were sealed under an old key and now are under the current one. */
  readonly reEncrypted: number;
  /** Rows still in clear text (written by an instance older than migration 006) that are now sealed. */
  readonly encryptedFromClear: number;
  /** Rows already under the current key before this run. */
  readonly alreadyCurrent: number;
}

/**
 * Refuses to go on when some identifier is sealed under a key this process does not hold: better a
 * clear start-up error naming LEDGER_ENCRYPTION_KEY than a failure in the middle of a conversation.
 * @throws LedgerError `PSB_LEDGER_ENCRYPTION_KEY` listing the unknown key ids.
 */
export async function checkIdentifierKeys(executor: SqlExecutor, cipher: IdentifierCipher): Promise<void> {
  const used = (await executor.query<{ key_id: string }>('SELECT DISTINCT key_id FROM subject_identifier WHERE key_id IS NOT NULL')).rows.map((r) => r.key_id);
  const unknown = used.filter((keyId) => !cipher.knows(keyId)).sort();
  if (unknown.length > 0) throw unknownKeyError(unknown);
}

/** Seals `rows` under the current key (opening old-key rows first) and empties their clear column. */
async function sealRows(tx: SqlExecutor, cipher: IdentifierCipher, rows: readonly StoredIdentifierRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += BATCH_ROWS) {
    const batch = rows.slice(start, start + BATCH_ROWS);
    const sealed = batch.map((row) => {
      const slot = { kind: row.kind, lookupHash: row.lookup_hash };
      const clear = row.value ?? cipher.open({ ciphertext: row.value_ciphertext ?? '', keyId: row.key_id ?? '' }, slot);
      return cipher.seal(clear, slot).ciphertext;
    });
    await tx.query(
      `UPDATE subject_identifier AS i SET value_ciphertext = u.ciphertext, key_id = $1, value = NULL
         FROM unnest($2::text[], $3::text[], $4::text[]) AS u(kind, lookup_hash, ciphertext)
        WHERE i.kind = u.kind AND i.lookup_hash = u.lookup_hash`,
      [cipher.currentKeyId, batch.map((r) => r.kind), batch.map((r) => r.lookup_hash), sealed],
    );
  }
}

/**
 * Seals every identifier still held in clear text, in one transaction, and empties the clear column:
 * the data half of migration 006, run at every ledger open (the key is not known to SQL). Rows are
 * locked, so two instances opening at once seal each row once. Resolves to how many rows it sealed.
 */
export async function sealClearIdentifiers(db: SqlDatabase, cipher: IdentifierCipher): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = (await tx.query<StoredIdentifierRow>('SELECT kind, lookup_hash, value, value_ciphertext, key_id FROM subject_identifier WHERE value IS NOT NULL FOR UPDATE')).rows;
    await sealRows(tx, cipher, rows);
    return rows.length;
  });
}

/**
 * `ledger rotate-key`: re-seals every identifier not under the current key (LEDGER_ENCRYPTION_KEY),
 * a batch per transaction so a large ledger is never locked whole; an interrupted run is finished
 * by the next one. Old keys must still be listed in LEDGER_ENCRYPTION_OLD_KEYS while it runs.
 */
export async function rotateIdentifierKey(db: SqlDatabase, cipher: IdentifierCipher): Promise<KeyRotationReport> {
  const alreadyCurrent = Number((await db.query<{ n: string | number }>('SELECT count(*) AS n FROM subject_identifier WHERE key_id = $1', [cipher.currentKeyId])).rows[0].n);
  let reEncrypted = 0;
  let encryptedFromClear = 0;
  for (;;) {
    const rows = await db.transaction(async (tx) => {
      const batch = (
        await tx.query<StoredIdentifierRow>(
          'SELECT kind, lookup_hash, value, value_ciphertext, key_id FROM subject_identifier WHERE key_id IS DISTINCT FROM $1 ORDER BY kind, lookup_hash LIMIT $2 FOR UPDATE',
          [cipher.currentKeyId, BATCH_ROWS],
        )
      ).rows;
      await sealRows(tx, cipher, batch);
      return batch;
    });
    if (rows.length === 0) break;
    for (const row of rows) {
      if (row.value === null) reEncrypted += 1;
      else encryptedFromClear += 1;
    }
  }
  return { keyId: cipher.currentKeyId, reEncrypted, encryptedFromClear, alreadyCurrent };
}
