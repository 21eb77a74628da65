/**
 * The ledger after a surge (bench/surge.ts): `ledger verify` (src/cli/ledger.ts, run as the privacy team runs it,
 * against the run's schema) recomputes every hash chain; then, customer by customer, the records must match what
 * the customer was told — one consent-withdrawal event (offers by SMS, in the customer's conversation) per "Done",
 * one verification by code per "right code", one concern with the reference given per report — and none where
 * nothing was confirmed.
 */
import { execFile } from 'node:child_process';
import type { ChainReport } from '../src/ledger/chain/chain-verifier';
import type { Ledger } from '../src/ledger/ledger';
import { ROOT } from './bot-process';
import type { CustomerOutcome } from './surge-customer';

export interface VerifyRun {
  readonly exitCode: number;
  readonly report?: ChainReport;
  /** What the command said on stderr when it failed. */
  readonly complaint?: string;
  readonly seconds: number;
}

export interface RecordCheck {
  /** Withdrawal events recorded in chat (not the seeded ones). */
  readonly withdrawalEvents: number;
  readonly confirmedWithdrawals: number;
  readonly codeVerifications: number;
  readonly verifiedCustomers: number;
  readonly concerns: number;
  readonly reportedConcerns: number;
  /** Customers whose records differ from what they were told, by what differs. */
  readonly mismatches: Readonly<Record<string, number>>;
}

/** Longest `ledger verify` may take: it reads every chain of a ledger of tens of thousands of entries. */
const VERIFY_LIMIT_MS = 300_000;
/** Customers checked at once (each a few reads). */
const CHECK_CONCURRENCY = 8;

/** `npm run ledger -- verify` on the schema `env` names; its JSON report and exit code. */
export function runLedgerVerify(env: NodeJS.ProcessEnv): Promise<VerifyRun> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/ledger.ts', 'verify'], { cwd: ROOT, env, timeout: VERIFY_LIMIT_MS, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      const exitCode = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      let report: ChainReport | undefined;
      try {
        report = JSON.parse(stdout) as ChainReport;
      } catch {
        report = undefined;
      }
      const complaint = exitCode === 0 ? undefined : stderr.trim().split('\n').slice(-3).join(' ');
      resolve({ exitCode, ...(report ? { report } : {}), ...(complaint ? { complaint } : {}), seconds: (performance.now() - startedAt) / 1000 });
    });
  });
}

/** Compares each customer's ledger records with what the customer was told. */
export async function checkRecords(ledger: Ledger, outcomes: readonly CustomerOutcome[]): Promise<RecordCheck> {
  const mismatches: Record<string, number> = {};
  const mismatch = (what: string): void => {
    mismatches[what] = (mismatches[what] ?? 0) + 1;
  };
  let withdrawalEvents = 0;
  let codeVerifications = 0;
  let concerns = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: CHECK_CONCURRENCY }, async () => {
      for (let i = next++; i < outcomes.length; i = next++) {
        const { customer, facts, conversationId } = outcomes[i];
        const subjectId = customer.subjectId;
        if (subjectId === undefined) {
          mismatch('customer never seeded');
          continue;
        }
        const [history, verifications, reports] = await Promise.all([ledger.consent.history(subjectId), ledger.verifications.forSubject(subjectId), ledger.concerns.forSubject(subjectId)]);
        const withdrawals = history.filter((event) => event.state === 'withdrawn' && event.collectionMethod !== 'import');
        withdrawalEvents += withdrawals.length;
        if (withdrawals.length !== (facts.withdrawalConfirmed ? 1 : 0)) mismatch(`${withdrawals.length} withdrawal events where the customer was told "Done" ${facts.withdrawalConfirmed ? 'once' : 'never'}`);
        else if (withdrawals.length === 1) {
          const [event] = withdrawals;
          if (event.purposeId !== 'marketing_offers' || event.channel !== 'sms') mismatch('a withdrawal of another purpose or channel than offers by SMS');
          if (event.conversationId !== conversationId) mismatch("a withdrawal recorded under another conversation than the customer's");
        }
        const byCode = verifications.filter((verification) => verification.method === 'one_time_code' && verification.outcome === 'verified');
        codeVerifications += byCode.length;
        if (byCode.length !== (facts.verified ? 1 : 0)) mismatch(`${byCode.length} verifications by code where the customer was told "right code" ${facts.verified ? 'once' : 'never'}`);
        else if (byCode.length === 1 && byCode[0].channel !== 'directline') mismatch(`a verification recorded in channel ${String(byCode[0].channel)}, not directline`);
        concerns += reports.length;
        if (reports.length !== (facts.concernReference ? 1 : 0)) mismatch(`${reports.length} concerns where the customer was given ${facts.concernReference ? 'one reference' : 'none'}`);
        else if (reports.length === 1 && reports[0].reference !== facts.concernReference) mismatch('a concern under another reference than the one the customer was given');
      }
    }),
  );
  return {
    withdrawalEvents,
    confirmedWithdrawals: outcomes.filter((outcome) => outcome.facts.withdrawalConfirmed).length,
    codeVerifications,
    verifiedCustomers: outcomes.filter((outcome) => outcome.facts.verified).length,
    concerns,
    reportedConcerns: outcomes.filter((outcome) => outcome.facts.concernReference !== undefined).length,
    mismatches,
  };
}
