/**
 * Consent changes per second as the chat records them (events + signed receipt + webhook outbox
 * row, one transaction) against bare `ledger.consent.record` (events + outbox row) on the same
 * backend in the same run: the ratio is what a receipt costs. PGlite in memory, then PostgreSQL
 * (DATABASE_URL or the test machine's, in a schema of its own, dropped afterwards).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Ledger, openLedger } from '../src/ledger/ledger';
import { ReceiptService } from '../src/ledger/receipts/receipt-service';
import { ConsentSelfService } from '../src/privacy/consent/consent-self-service';
import { loadController } from '../src/privacy/receipts/controller';
import { ReceiptSigner } from '../src/privacy/receipts/receipt-signer';

const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SUBJECTS = 50;
const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function perSecond(work: (worker: number, n: number) => Promise<void>): Promise<number> {
  const deadline = Date.now() + DURATION_MS;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      while (Date.now() < deadline) {
        await work(worker, done);
        done += 1;
      }
    }),
  );
  return done / (DURATION_MS / 1000);
}

async function measure(name: string, ledger: Ledger): Promise<void> {
  const subjects: string[] = [];
  for (let i = 0; i < SUBJECTS; i += 1) {
    const subject = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: `bench-${i}-${randomBytes(4).toString('hex')}@example.com` }], regime: 'gdpr' }, { actor: 'system:bench', reason: 'bench' });
    subjects.push(subject.id);
  }
  const receipts = new ReceiptService({ db: ledger.db, catalog: ledger.catalog, signer: new ReceiptSigner(generateKeyPairSync('ed25519').privateKey), controller: loadController(), publicBaseUrl: 'https://privacy.example.com' });
  const consents = new ConsentSelfService({ db: ledger.db, catalog: ledger.catalog, consent: ledger.consent, subjects: ledger.subjects, receipts });
  const state = (n: number) => (n % 2 === 0 ? 'withdrawn' : 'given') as 'withdrawn' | 'given';
  const bare = await perSecond((worker, n) =>
    ledger.consent
      .record(subjects[(worker * 7 + n) % SUBJECTS], [{ purposeId: 'marketing_offers', channel: 'sms', state: state(n) }], { collectionMethod: 'web_chat', language: 'en' }, { actor: 'system:bench', reason: 'bench' })
      .then(() => undefined),
  );
  let activity = 0;
  const chat = await perSecond((worker, n) =>
    consents
      .change({ subjectId: subjects[(worker * 7 + n) % SUBJECTS], direction: n % 2 === 0 ? 'withdraw' : 'give', pairs: [{ purposeId: 'marketing_offers', channel: 'sms' }], collectionMethod: 'web_chat', language: 'en', conversationId: 'bench', activityId: `a-${(activity += 1)}`, assurance: 'verified' })
      .then(() => undefined),
  );
  console.log(`${name.padEnd(11)} bare record ${bare.toFixed(0).padStart(6)}/s   chat change + signed receipt ${chat.toFixed(0).padStart(6)}/s   ratio ${(chat / bare).toFixed(2)}×`);
}

async function main(): Promise<void> {
  console.log(`consent changes, ${CONCURRENCY} concurrent writers over ${SUBJECTS} people, ${DURATION_MS / 1000}s each`);
  const embedded = await openLedger({ ledgerDir: 'memory://', hashKey: 'bench-hash-key-0123456789' });
  try {
    await measure('PGlite', embedded);
  } finally {
    await embedded.close();
  }
  const schema = `bench_${process.pid}`;
  const postgres = await openLedger({ databaseUrl: POSTGRES_URL, schema, hashKey: 'bench-hash-key-0123456789' }).catch((err: Error) => {
    console.log(`PostgreSQL  skipped: ${err.message} (start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)`);
    return undefined;
  });
  if (!postgres) return;
  try {
    await measure('PostgreSQL', postgres);
  } finally {
    await postgres.db.query(`DROP SCHEMA ${schema} CASCADE`);
    await postgres.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
