/**
 * `npm run ledger -- <command>`: the privacy team's tools for the ledger.
 *
 * Prints JSON on stdout (use `npm run --silent ledger -- …` to pipe it to `jq`; `requests list|show` print
 * a table or a case sheet unless given `--json`); notes and errors go to
 * stderr, one line each, with no personal data (except `export`, whose stdout *is* the requested data).
 * Environment: DATABASE_URL, LEDGER_DIR, LEDGER_SCHEMA, LEDGER_HASH_KEY, LEDGER_ENCRYPTION_KEY, LEDGER_ENCRYPTION_OLD_KEYS
 * (see `src/ledger/ledger-config.ts`).
 * Exit codes: 0 done; 1 `verify` found a broken link, `receipt verify` a receipt that does not verify, or an
 * unexpected failure; 2 wrong usage or bad input.
 */
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PasswordInputError, readNewPassword } from '../agent/password-input';
import { isAppError } from '../errors/app-error';
import { ErrorCode } from '../errors/codes';
import { redactText } from '../log/redact-text';
import { ChainReport } from '../ledger/chain/chain-verifier';
import { requestDetail, requestSummary } from '../agent/requests/request-views';
import { AGENT_ROLES, isAgentRole } from '../ledger/agents/agent-service';
import { DEMO_CUSTOMERS, seedDemo } from '../ledger/demo/seed-demo';
import { exportSubject } from '../ledger/export/subject-export';
import { importConsents } from '../ledger/import/consent-import';
import { parseIsoInstant } from '../ledger/import/import-rows';
import { Ledger, openLedger } from '../ledger/ledger';
import { loadLedgerConfig } from '../ledger/ledger-config';
import { IDENTIFIER_KINDS, IdentifierKind, isIdentifierKind, normalizeIdentifier } from '../ledger/subjects/identifiers';
import { rotateIdentifierKey } from '../ledger/subjects/identifier-encryption';
import { WebhookOutbox } from '../ledger/webhooks/webhook-outbox';
import { ClockInputError } from '../privacy/clocks/clock-errors';
import { computeBreachClock, computeBreachDeadline, computeRequestDeadlines } from '../privacy/clocks/deadlines';
import { REGIMES, REQUEST_TYPES, isRegime } from '../privacy/clocks/regimes';
import { parsePublicKeyPem, parseSigningKeyPem, RECEIPT_SIGNING_KEY } from '../privacy/receipts/receipt-key';
import { verifyReceipt } from '../privacy/receipts/receipt-verifier';
import { openAccessRequests } from '../privacy/access/create-access-requests';
import { requestSheet, requestTable } from './requests-output';
import { openConcerns } from '../privacy/concerns/create-concerns';
import { loadDpoAlertConfig } from '../config/dpo-alert-config';
import { concernItem, concernTable, incidentItem, incidentTable } from './concerns-output';

export const USAGE = `usage: npm run ledger -- <command> [options]

  migrate                                   apply pending database migrations (and encrypt identifiers still in clear text)
  rotate-key                                re-encrypt every identifier under LEDGER_ENCRYPTION_KEY; the keys it
                                            replaces must be in LEDGER_ENCRYPTION_OLD_KEYS while it runs (idempotent)
  import FILE [--format csv|json] [--dry-run]
                                            import consent records, all or nothing (--dry-run checks only)
  export --subject ID [--kind KIND]         everything the ledger holds about one person, as JSON
                                            (KIND: ${IDENTIFIER_KINDS.join(', ')}; guessed from ID when absent)
  verify                                    check every hash chain; exit 1 naming the first broken link
  deadline --regime R --type T --received ISO [--zone IANA]
                                            statutory instants of a request (R: ${REGIMES.join(', ')}; T: ${REQUEST_TYPES.join(', ')})
  deadline --type breach --awareness ISO [--regime R]
                                            authority deadline of a personal-data breach (72 hours; with R, that
                                            regime's: LGPD 3 working days, PIPEDA and CCPA none from awareness)
  seed-demo                                 add the demo customers (idempotent)
  agent add --username NAME --role ROLE     create an agent console account (ROLE: ${AGENT_ROLES.join(', ')});
                                            the password is read from standard input (first line; in a
                                            terminal it is asked twice, never echoed)
  receipt verify FILE [--public-key PEM_FILE]
                                            check a consent receipt's signature; FILE is what GET /receipts/TOKEN
                                            returns (or a bare compact JWS); the key is the public half of
                                            RECEIPT_SIGNING_KEY unless a PEM file is given; exit 1 when it does not verify
  webhook status                            the consent webhook's outbox: pending, delivered and retrying
                                            deliveries, and how long the oldest pending one has waited
  requests list [--json] [--due-within DAYS]
                                            open access requests, most urgent first: reference, status, received,
                                            due (extended shown), time left (overdue, due soon within 3 days), sources;
                                            --due-within: only those due within DAYS days (overdue included)
  requests show REF [--json]                one access request: its clock, sources, copy and history
  concerns list [--json] [--all]            concerns still to triage, new reports first and suspected breaches
                                            first among them: reference, topic, state, reported, incident, whether
                                            the DPO alert went out; --all adds those triaged in the last 90 days
  incidents list [--json]                   breach incidents, open ones first, with the time left to the authority
                                            per regime (GDPR/UK GDPR 72 h, LGPD 3 working days, PIPEDA "as soon
                                            as feasible"), reports, people affected and the notice
  help                                      this text

ISO instants carry their zone: 2027-01-31T10:00:00Z or 2027-01-31T11:00:00+01:00.
Environment: DATABASE_URL (unset: PGlite in LEDGER_DIR, default ./data/ledger), LEDGER_SCHEMA, LEDGER_HASH_KEY,
LEDGER_ENCRYPTION_KEY, LEDGER_ENCRYPTION_OLD_KEYS; RECEIPT_SIGNING_KEY for receipt verify.
Exit codes: 0 done, 1 broken chain, receipt that does not verify, or failure, 2 wrong usage or bad input.`;

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
/** Wrong usage and bad input, as in `diff` and `grep`. */
const EXIT_USAGE = 2;

/** Codes that mean "the input was wrong", not "the system failed": exit 2. */
const INPUT_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['PSB_CONFIG_INVALID', 'PSB_LEDGER_ENCRYPTION_KEY', 'PSB_LEDGER_INVALID_INPUT', 'PSB_LEDGER_IMPORT_INVALID', 'PSB_LEDGER_UNKNOWN_SUBJECT', 'PSB_LEDGER_CATALOG_INVALID', 'PSB_CLOCK_INPUT']);

class UsageError extends Error {}

interface ParsedArgs {
  readonly command: string | undefined;
  readonly positional: string[];
  readonly options: Map<string, string>;
  readonly flags: Set<string>;
}

/** `--name value`, `--name=value` and bare flags; which are allowed is checked per command. */
function parseArgs(args: readonly string[], flagNames: ReadonlySet<string>): ParsedArgs {
  const [command, ...rest] = args;
  const positional: string[] = [];
  const options = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (flagNames.has(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
      continue;
    }
    const value = eq === -1 ? rest[i + 1] : arg.slice(eq + 1);
    if (value === undefined || (eq === -1 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    if (options.has(name)) throw new UsageError(`--${name} is given twice`);
    options.set(name, value);
    if (eq === -1) i += 1;
  }
  return { command, positional, options, flags };
}

/** Refuses options and positional arguments the command does not take. */
function expect(args: ParsedArgs, allowed: { options?: readonly string[]; flags?: readonly string[]; positional?: number }): void {
  for (const name of args.options.keys()) if (!allowed.options?.includes(name)) throw new UsageError(`does not take --${name}`);
  for (const name of args.flags) if (!allowed.flags?.includes(name)) throw new UsageError(`does not take --${name}`);
  if (args.positional.length > (allowed.positional ?? 0)) throw new UsageError(`unexpected argument "${args.positional[allowed.positional ?? 0]}"`);
}

function instant(args: ParsedArgs, name: string): Date {
  const raw = args.options.get(name);
  if (raw === undefined) throw new UsageError(`--${name} is required`);
  const value = parseIsoInstant(raw);
  if (!value) throw new UsageError(`--${name} must be an ISO 8601 instant with a zone, e.g. 2027-01-31T10:00:00Z (got "${raw}")`);
  return value;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The kind of an identifier typed on the command line: an `@` → email; a GUID → Teams AAD object id;
 * `+` and digits, or 8+ digits with spaces, dots, dashes or brackets → phone; anything else → customer number.
 */
export function detectIdentifierKind(value: string): IdentifierKind {
  const v = value.trim();
  if (v.includes('@')) return 'email';
  if (GUID.test(v)) return 'aad_object_id';
  if (/^\+?[\d\s().-]+$/.test(v) && (v.startsWith('+') || v.replace(/\D/g, '').length >= 8)) return 'phone';
  return 'customer_number';
}

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};
const note = (line: string): void => {
  process.stderr.write(`ledger: ${line}\n`);
};

/** The command being run (`seed-demo`), named in the embedded ledger's lock so the bot refused beside it can say who holds it. */
let runningCommand: string | undefined;

/**
 * Opens the ledger from the environment, runs `work`, always closes it. An embedded ledger that a
 * running bot holds is refused at once (PSB_LEDGER_LOCKED, naming its pid): never a stale copy.
 */
async function withLedger<T>(work: (ledger: Ledger, backend: string) => Promise<T>): Promise<T> {
  const config = loadLedgerConfig(process.env);
  for (const warning of config.warnings) note(`warning: ${warning}`);
  const ledger = await openLedger({ ...config, openedBy: ['ledger', runningCommand].filter(Boolean).join(' ') });
  try {
    return await work(ledger, config.backendDescription);
  } finally {
    await ledger.close();
  }
}

function describeBroken(report: ChainReport): string {
  const b = report.broken;
  if (!b) return 'all chains verify';
  const where = b.chain === 'consent' ? `the consent chain of subject ${b.owner}` : 'the audit chain';
  return `${where} is broken at entry ${b.entry} (position ${b.position}): ${b.problem}`;
}

function deadline(args: ParsedArgs): unknown {
  const type = args.options.get('type');
  if (type === undefined) throw new UsageError('--type is required (access or breach)');
  const regime = args.options.get('regime');
  if (type === 'breach') {
    expect(args, { options: ['type', 'awareness', 'regime'] });
    if (regime !== undefined && !isRegime(regime)) throw new UsageError(`--regime must be one of ${REGIMES.join(', ')} (got "${regime}")`);
    if (regime !== undefined) {
      const clock = computeBreachClock({ regime, awarenessAt: instant(args, 'awareness') });
      return { regime, type, awarenessAt: clock.awarenessAt.toISOString(), due: clock.dueAt?.toISOString() ?? null, rule: clock.rule, basis: clock.basis };
    }
    const clock = computeBreachDeadline({ awarenessAt: instant(args, 'awareness') });
    return { type, awarenessAt: clock.awarenessAt.toISOString(), due: clock.due.toISOString(), basis: clock.basis };
  }
  expect(args, { options: ['type', 'regime', 'received', 'zone'] });
  if (regime === undefined) throw new UsageError(`--regime is required (${REGIMES.join(', ')})`);
  const d = computeRequestDeadlines({ regime, type, receivedAt: instant(args, 'received'), zone: args.options.get('zone') });
  const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);
  return {
    regime: d.regime,
    type: d.type,
    receivedAt: d.receivedAt.toISOString(),
    acknowledgeBy: iso(d.acknowledgeBy),
    due: d.due.toISOString(),
    extendedDue: iso(d.extendedDue),
    extensionNoticeBy: iso(d.extensionNoticeBy),
    zone: d.zone,
    basis: d.basis,
  };
}

/** `agent add --username NAME --role agent|supervisor|privacy`, the password from standard input (never an argument, never printed). */
async function agent(args: ParsedArgs): Promise<number> {
  expect(args, { options: ['username', 'role'], positional: 1 });
  const [subcommand] = args.positional;
  if (subcommand !== 'add') throw new UsageError(subcommand === undefined ? 'needs a subcommand: agent add --username NAME --role ROLE' : `unknown subcommand "agent ${subcommand}" (try: agent add)`);
  const username = args.options.get('username');
  if (username === undefined || username.trim() === '') throw new UsageError('--username is required');
  const role = args.options.get('role');
  if (!isAgentRole(role)) throw new UsageError(`--role must be one of ${AGENT_ROLES.join(', ')}${role === undefined ? '' : ` (got "${role}")`}`);
  let password: string;
  try {
    password = await readNewPassword();
  } catch (err) {
    if (err instanceof PasswordInputError) throw new UsageError(err.message);
    throw err;
  }
  return withLedger(async (ledger) => {
    print(await ledger.agents.add(username.trim(), role, password, { actor: 'system:cli', reason: 'agent account added from the command line' }));
    return EXIT_OK;
  });
}

/** Reads a file named on the command line; a missing or unreadable one is wrong usage. */
function readInputFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** The key receipts are verified with: a PEM file (public, or private whose public half is used), else RECEIPT_SIGNING_KEY. */
function receiptPublicKey(pemFile: string | undefined): KeyObject {
  if (pemFile !== undefined) {
    try {
      return parsePublicKeyPem(readInputFile(pemFile, 'the key file'));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`--public-key ${pemFile} is not a PEM Ed25519 key (${(err as Error).message})`);
    }
  }
  const pem = process.env[RECEIPT_SIGNING_KEY];
  if (pem === undefined || pem.trim() === '') throw new UsageError(`no key to verify with: set ${RECEIPT_SIGNING_KEY} or pass --public-key PEM_FILE`);
  return parseSigningKeyPem(pem);
}

/** `webhook status`: what waits in the consent webhook's outbox (counts only; no payload, no subject). */
async function webhook(args: ParsedArgs): Promise<number> {
  expect(args, { positional: 1 });
  const [subcommand] = args.positional;
  if (subcommand !== 'status') throw new UsageError(subcommand === undefined ? 'needs a subcommand: webhook status' : `unknown subcommand "webhook ${subcommand}" (try: webhook status)`);
  return withLedger(async (ledger) => {
    const stats = await new WebhookOutbox(ledger.db).stats();
    const oldest = stats.oldestPendingAt;
    print({
      pending: stats.pending,
      delivered: stats.delivered,
      retrying: stats.retrying,
      oldestPendingAt: oldest ? oldest.toISOString() : null,
      oldestPendingAgeSeconds: oldest ? Math.max(0, Math.round((Date.now() - oldest.getTime()) / 1000)) : null,
    });
    return EXIT_OK;
  });
}

/** `receipt verify FILE [--public-key PEM_FILE]`: exit 0 when the receipt verifies, 1 when it does not. */
function receipt(args: ParsedArgs): number {
  expect(args, { options: ['public-key'], positional: 2 });
  const [subcommand, file] = args.positional;
  if (subcommand !== 'verify') throw new UsageError(subcommand === undefined ? 'needs a subcommand: receipt verify FILE' : `unknown subcommand "receipt ${subcommand}" (try: receipt verify FILE)`);
  if (file === undefined) throw new UsageError('needs a FILE (what GET /receipts/TOKEN returns, or a compact JWS)');
  const contents = readInputFile(file, 'the receipt file');
  const result = verifyReceipt(contents, receiptPublicKey(args.options.get('public-key')));
  if (!result.valid) {
    print({ valid: false, problem: result.problem, reason: result.reason });
    note(`receipt verify: ${result.reason}`);
    return EXIT_FAILURE;
  }
  const r = result.receipt;
  print({
    valid: true,
    receiptId: r.consentReceiptID,
    alg: result.alg,
    kid: result.kid,
    issuedAt: r.issuedAt,
    jurisdiction: r.jurisdiction,
    changes: r.changes.map((c) => ({ purposeId: c.purposeId, channel: c.channel, state: c.state, eventId: c.eventId })),
  });
  return EXIT_OK;
}

/** Longest `--due-within`: ten years. */
const MAX_DUE_WITHIN_DAYS = 3650;

/**
 * `requests list [--json] [--due-within DAYS]` and `requests show REF [--json]`: the privacy team's
 * cases through the same service as the console (no background work started, nothing sent).
 */
async function requests(args: ParsedArgs): Promise<number> {
  const [subcommand, reference] = args.positional;
  if (subcommand === 'list') {
    expect(args, { options: ['due-within'], flags: ['json'], positional: 1 });
    const raw = args.options.get('due-within');
    if (raw !== undefined && (!/^\d{1,4}$/.test(raw) || Number(raw) > MAX_DUE_WITHIN_DAYS)) throw new UsageError(`--due-within must be a whole number of days from 0 to ${MAX_DUE_WITHIN_DAYS} (got "${raw}")`);
    return withLedger(async (ledger) => {
      const cases = await openAccessRequests(ledger).list(raw === undefined ? {} : { dueWithinDays: Number(raw) });
      const now = new Date();
      const view = { now: now.toISOString(), requests: cases.map((c) => requestSummary(c, now)) };
      if (args.flags.has('json')) print(view);
      else process.stdout.write(requestTable(view));
      if (cases.length === 0) note(`requests list: no open access request${raw === undefined ? '' : ` due within ${raw} days`}`);
      return EXIT_OK;
    });
  }
  if (subcommand === 'show') {
    expect(args, { flags: ['json'], positional: 2 });
    if (reference === undefined) throw new UsageError('needs a reference: requests show PRV-2026-7KQ4ZD-Q (the reference as the customer reads it)');
    return withLedger(async (ledger) => {
      const found = await openAccessRequests(ledger).find(reference);
      if (!found) throw new UsageError(`no access request has the reference "${reference}" (the last symbol is a check symbol: compare it with requests list)`);
      const now = new Date();
      const view = { now: now.toISOString(), request: requestDetail(found, now, false) };
      if (args.flags.has('json')) print(view);
      else process.stdout.write(requestSheet(view));
      return EXIT_OK;
    });
  }
  throw new UsageError(subcommand === undefined ? 'needs a subcommand: requests list or requests show REF' : `unknown subcommand "requests ${subcommand}" (try: requests list, requests show REF)`);
}

/** `concerns list [--json] [--all]`: through the same service as the console (nothing sent, no customer's words printed). */
async function concerns(args: ParsedArgs): Promise<number> {
  const [subcommand] = args.positional;
  if (subcommand !== 'list') throw new UsageError(subcommand === undefined ? 'needs a subcommand: concerns list' : `unknown subcommand "concerns ${subcommand}" (try: concerns list)`);
  expect(args, { flags: ['json', 'all'], positional: 1 });
  const dpoAlert = loadDpoAlertConfig(process.env);
  return withLedger(async (ledger) => {
    const service = await openConcerns(ledger, { dpoAlert, defaultLocale: process.env.DEFAULT_LOCALE });
    const items = (await service.list({ includeClosed: args.flags.has('all') })).map(concernItem);
    if (args.flags.has('json')) print({ now: new Date().toISOString(), concerns: items });
    else process.stdout.write(concernTable(items));
    if (items.length === 0) note(`concerns list: no concern ${args.flags.has('all') ? 'in the last 90 days' : 'waiting for triage'}`);
    return EXIT_OK;
  });
}

/** `incidents list [--json]`: every incident with the time left per regime. */
async function incidents(args: ParsedArgs): Promise<number> {
  const [subcommand] = args.positional;
  if (subcommand !== 'list') throw new UsageError(subcommand === undefined ? 'needs a subcommand: incidents list' : `unknown subcommand "incidents ${subcommand}" (try: incidents list)`);
  expect(args, { flags: ['json'], positional: 1 });
  return withLedger(async (ledger) => {
    const service = await openConcerns(ledger, { defaultLocale: process.env.DEFAULT_LOCALE });
    const now = new Date();
    const items = (await service.listIncidents()).map((incident) => incidentItem(incident, now));
    if (args.flags.has('json')) print({ now: now.toISOString(), incidents: items });
    else process.stdout.write(incidentTable(items));
    if (items.length === 0) note('incidents list: no incident');
    return EXIT_OK;
  });
}

async function run(args: ParsedArgs): Promise<number> {
  switch (args.command) {
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return EXIT_OK;
    case 'migrate':
      expect(args, {});
      return withLedger(async (ledger, backend) => {
        print({ backend, applied: ledger.migration.applied, alreadyApplied: ledger.migration.alreadyApplied, identifiersEncrypted: ledger.identifiersEncryptedAtOpen });
        return EXIT_OK;
      });
    case 'rotate-key':
      expect(args, {});
      return withLedger(async (ledger) => {
        print(await rotateIdentifierKey(ledger.db, ledger.cipher));
        return EXIT_OK;
      });
    case 'import': {
      expect(args, { options: ['format'], flags: ['dry-run'], positional: 1 });
      const [file] = args.positional;
      if (file === undefined) throw new UsageError('needs a FILE (CSV or JSON)');
      const format = args.options.get('format') ?? (/\.json$/i.test(file) ? 'json' : /\.csv$/i.test(file) ? 'csv' : undefined);
      if (format !== undefined && format !== 'csv' && format !== 'json') throw new UsageError(`--format must be csv or json (got "${format}")`);
      let content: string;
      try {
        content = readFileSync(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      return withLedger(async (ledger) => {
        print(await importConsents(ledger, content, { format, source: path.basename(file), actor: 'system:cli-import', dryRun: args.flags.has('dry-run') }));
        return EXIT_OK;
      });
    }
    case 'export': {
      expect(args, { options: ['subject', 'kind'] });
      const value = args.options.get('subject');
      if (value === undefined || value.trim() === '') throw new UsageError('needs --subject <email, phone, customer number or AAD object id>');
      const given = args.options.get('kind');
      if (given !== undefined && !isIdentifierKind(given)) throw new UsageError(`--kind must be one of ${IDENTIFIER_KINDS.join(', ')} (got "${given}")`);
      const kind = given ?? detectIdentifierKind(value);
      normalizeIdentifier(kind, value); // a malformed identifier is refused before the database is opened
      return withLedger(async (ledger) => {
        print(await exportSubject(ledger, kind, value));
        return EXIT_OK;
      });
    }
    case 'verify':
      expect(args, {});
      return withLedger(async (ledger) => {
        const report = await ledger.verify();
        print(report);
        if (report.ok) return EXIT_OK;
        note(`verify: ${describeBroken(report)}`);
        return EXIT_FAILURE;
      });
    case 'deadline':
      print(deadline(args));
      return EXIT_OK;
    case 'seed-demo':
      expect(args, {});
      return withLedger(async (ledger) => {
        const report = await seedDemo(ledger);
        // Fictitious people on example.com: printing them tells a new user what to type.
        const byKey = new Map(report.customers.map((c) => [c.key, c]));
        print({
          customers: DEMO_CUSTOMERS.map((c) => ({ name: c.name, regime: c.regime, language: c.language, email: c.email, phone: c.phone, customerNumber: c.customerNumber, ...byKey.get(c.key) })),
        });
        return EXIT_OK;
      });
    case 'agent':
      return agent(args);
    case 'receipt':
      return receipt(args);
    case 'webhook':
      return webhook(args);
    case 'requests':
      return requests(args);
    case 'concerns':
      return concerns(args);
    case 'incidents':
      return incidents(args);
    case undefined:
      throw new UsageError('missing command');
    default:
      throw new UsageError(`unknown command "${args.command}"`);
  }
}

/** Runs the CLI; resolves to the exit code. Every error becomes one message on stderr. */
export async function main(argv: readonly string[]): Promise<number> {
  let command: string | undefined = argv[0];
  try {
    const args = parseArgs(argv, new Set(['dry-run', 'json', 'all']));
    command = args.command;
    runningCommand = command;
    return await run(args);
  } catch (err) {
    const prefix = command && !command.startsWith('-') ? `ledger ${command}` : 'ledger';
    if (err instanceof UsageError) {
      process.stderr.write(`${prefix}: ${err.message} (see: npm run ledger -- help)\n`);
      return EXIT_USAGE;
    }
    if (err instanceof ClockInputError) {
      process.stderr.write(`${prefix}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (isAppError(err)) {
      // Our messages name no customer (values quoted from an import file are scrubbed where they are quoted).
      const [first, ...more] = err.message.split('\n');
      process.stderr.write(`${[`${prefix}: ${first} [${err.code}]`, ...more].join('\n')}\n`);
      return INPUT_ERROR_CODES.has(err.code) ? EXIT_USAGE : EXIT_FAILURE;
    }
    process.stderr.write(`${prefix}: unexpected failure: ${err instanceof Error ? redactText(err.message) : 'unknown error'}\n`);
    return EXIT_FAILURE;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
