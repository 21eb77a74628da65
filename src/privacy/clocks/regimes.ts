/**
 * The privacy regimes the bot serves and their statutory clocks, as data.
 *
 * Every fact is a row with its legal source beside it. A new request type (erasure, rectification,
 * portability, opt-out-of-sale…) is added by listing it in {@link REQUEST_TYPES} and adding one row
 * per regime that knows it to {@link REQUEST_CLOCK_RULES}; `computeRequestDeadlines` needs no change.
 *
 * Where the law sets no deadline (GDPR has no acknowledgement duty, only "without undue delay") the
 * row says `null` rather than inventing one; a house SLA belongs in a policy layered on top.
 */

/** Regime ids, as stored in the ledger (`subject.regime`) and typed on the command line. */
export const REGIMES = ['gdpr', 'uk-gdpr', 'ccpa', 'lgpd', 'pipeda'] as const;
export type Regime = (typeof REGIMES)[number];

export function isRegime(value: unknown): value is Regime {
  return typeof value === 'string' && (REGIMES as readonly string[]).includes(value);
}

/** Data-subject request types with a statutory clock. Later issues append: 'erasure', 'rectification', … */
export const REQUEST_TYPES = ['access'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export function isRequestType(value: unknown): value is RequestType {
  return typeof value === 'string' && (REQUEST_TYPES as readonly string[]).includes(value);
}

/** Per-regime facts that are not about one request type. */
export interface RegimeProfile {
  /** Human name for logs and the CLI. */
  readonly label: string;
  /**
   * IANA zone whose calendar counts days and months when the caller names none. It stands for the
   * controller's (business's) establishment; a deployment that knows its own zone passes it instead.
   */
  readonly defaultZone: string;
}

export const REGIME_PROFILES: Readonly<Record<Regime, RegimeProfile>> = Object.freeze({
  // CET/CEST, the zone of most EU member states and of the EDPB (Brussels).
  gdpr: { label: 'GDPR (EU) 2016/679', defaultZone: 'Europe/Brussels' },
  'uk-gdpr': { label: 'UK GDPR', defaultZone: 'Europe/London' },
  // "Business day" and "calendar day" are those of California (the CCPA's own state).
  ccpa: { label: 'CCPA as amended by the CPRA', defaultZone: 'America/Los_Angeles' },
  lgpd: { label: 'LGPD (Lei 13.709/2018)', defaultZone: 'America/Sao_Paulo' },
  // Ottawa, the seat of the Office of the Privacy Commissioner of Canada.
  pipeda: { label: 'PIPEDA', defaultZone: 'America/Toronto' },
});

/**
 * A length of time counted from receipt on the calendar of the regime's zone. The deadline is the
 * end (23:59:59.999) of the day the count lands on: the day of receipt itself is not counted and
 * the last day is counted whole (Reg. 1182/71 Art. 3; Cal. Civ. Code § 10; the same reading is
 * applied to the LGPD and PIPEDA day counts).
 */
export interface CalendarPeriod {
  /** `business-days` are Monday–Friday in the regime's zone (public holidays not skipped). */
  readonly unit: 'months' | 'days' | 'business-days';
  /** Whole units, > 0. */
  readonly amount: number;
}

/** The clock of one request type under one regime. All periods run from receipt. */
export interface RequestClockRule {
  readonly regime: Regime;
  readonly type: RequestType;
  /** Duty to confirm receipt, or `null` where the law sets no deadline for it. */
  readonly acknowledge: CalendarPeriod | null;
  /** The statutory deadline to answer. */
  readonly due: CalendarPeriod;
  /**
   * The latest deadline with the extension, counted from receipt (not from `due`, so end-of-month
   * clamping happens once: 31 Jan + 3 months = 30 Apr, not 28 Feb + 2 months = 28 Apr), or `null`
   * when no extension exists. Every regime here requires the extension to be notified before `due`.
   */
  readonly extendedDue: CalendarPeriod | null;
  /** Short citation stored with the computed dates, so a reader can check them by hand. */
  readonly basis: string;
}

const months = (amount: number): CalendarPeriod => ({ unit: 'months', amount });
const days = (amount: number): CalendarPeriod => ({ unit: 'days', amount });
const businessDays = (amount: number): CalendarPeriod => ({ unit: 'business-days', amount });

/** The table. One row per regime × request type; order does not matter. */
export const REQUEST_CLOCK_RULES: readonly RequestClockRule[] = Object.freeze([
  // GDPR Art. 12(3): information on action taken "without undue delay and in any event within one month
  // of receipt"; "may be extended by two further months", the data subject informed "within one month of
  // receipt", with reasons. No acknowledgement deadline exists: null (a house SLA may add one).
  // Month counting per Reg. 1182/71 Art. 3(2)(c) as read by the EDPB (Guidelines 01/2022 on access).
  {
    regime: 'gdpr',
    type: 'access',
    acknowledge: null,
    due: months(1),
    extendedDue: months(3),
    basis: 'GDPR Art. 15 with Art. 12(3): one month from receipt, extendable by two further months (notice within the first month)',
  },
  // UK GDPR Art. 12(3), same wording as the GDPR (as amended by the Data (Use and Access) Act 2025, the
  // period may start later, at identity confirmation or clarification: pass that instant as receivedAt).
  {
    regime: 'uk-gdpr',
    type: 'access',
    acknowledge: null,
    due: months(1),
    extendedDue: months(3),
    basis: 'UK GDPR Art. 15 with Art. 12(3): one month from receipt, extendable by two further months (notice within the first month)',
  },
  // CCPA: Cal. Civ. Code § 1798.130(a)(2)(A): disclose "within 45 days of receiving" the request, extendable
  // "once by an additional 45 days" with notice "within the first 45-day period". CCPA Regulations
  // (11 CCR) § 7021(a): confirm receipt "no later than 10 business days"; § 7021(b): at most 90 calendar days.
  {
    regime: 'ccpa',
    type: 'access',
    acknowledge: businessDays(10),
    due: days(45),
    extendedDue: days(90),
    basis: 'CCPA Civ. Code § 1798.130(a)(2)(A), 11 CCR § 7021: confirm receipt within 10 business days, answer within 45 days, extendable once by 45 days (notice within the first 45)',
  },
  // LGPD Art. 19: confirmation of processing / access "I - em formato simplificado, imediatamente; ou
  // II - por meio de declaração clara e completa ... no prazo de até 15 (quinze) dias, contado da data do
  // requerimento". The clock is the complete declaration (II); the simplified answer (I) is given at once
  // when asked for and is not an acknowledgement: null. No extension exists.
  {
    regime: 'lgpd',
    type: 'access',
    acknowledge: null,
    due: days(15),
    extendedDue: null,
    basis: 'LGPD Art. 19 II: complete declaration within 15 days of the request (Art. 19 I: simplified answer immediately, on request); no extension',
  },
  // PIPEDA s. 8(3): respond "not later than thirty days after receipt"; s. 8(4): extend "for a maximum of
  // thirty days" with notice "within thirty days after the day on which the request is received";
  // s. 8(5): no answer in time is deemed a refusal. No acknowledgement deadline: null.
  {
    regime: 'pipeda',
    type: 'access',
    acknowledge: null,
    due: days(30),
    extendedDue: days(60),
    basis: 'PIPEDA s. 8(3)-(5): answer within 30 days of receipt, extendable by 30 days (notice within the first 30); silence is deemed refusal',
  },
]);

/** The rule for `regime` × `type`, or `undefined` when that regime has no clock for that type. */
export function findRequestClockRule(regime: Regime, type: RequestType): RequestClockRule | undefined {
  return REQUEST_CLOCK_RULES.find((rule) => rule.regime === regime && rule.type === type);
}

/**
 * GDPR Art. 33(1) (same in the UK GDPR): notify the supervisory authority "without undue delay and,
 * where feasible, not later than 72 hours after having become aware" of a personal-data breach.
 * Real elapsed hours from the awareness instant: no calendar, no zone, no rounding.
 */
export const BREACH_NOTIFICATION_RULE = Object.freeze({
  /** Hours of real time from awareness to the authority deadline. */
  hours: 72,
  basis: 'GDPR Art. 33(1): notify the supervisory authority within 72 hours of awareness (information may follow in phases, Art. 33(4))',
});

/**
 * How long a regime gives the controller to notify its authority of a personal-data breach, counted
 * from awareness: real hours, a calendar period on the regime's calendar (the end of the day it lands
 * on, like request deadlines), or `null` where the law sets no fixed deadline ("as soon as feasible").
 */
export type BreachPeriod = { readonly unit: 'hours'; readonly amount: number } | CalendarPeriod;

/** The authority clock of a breach under one regime. */
export interface BreachClockRule {
  readonly regime: Regime;
  /** `null`: no fixed deadline (PIPEDA "as soon as feasible"; CCPA none from awareness). */
  readonly period: BreachPeriod | null;
  /** Short English label of the rule for the CLI and the console's data ("72 hours", "3 working days", "as soon as feasible"). */
  readonly rule: string;
  readonly basis: string;
}

/** One row per regime: the authority deadline of a personal-data breach. */
export const BREACH_CLOCK_RULES: readonly BreachClockRule[] = Object.freeze([
  {
    regime: 'gdpr',
    period: { unit: 'hours', amount: BREACH_NOTIFICATION_RULE.hours },
    rule: '72 hours',
    basis: BREACH_NOTIFICATION_RULE.basis,
  },
  // UK GDPR Art. 33(1), the same words; the ICO is the authority.
  {
    regime: 'uk-gdpr',
    period: { unit: 'hours', amount: 72 },
    rule: '72 hours',
    basis: 'UK GDPR Art. 33(1): notify the ICO within 72 hours of awareness (information may follow in phases, Art. 33(4))',
  },
  // Resolução CD/ANPD nº 15/2024 (Regulamento de Comunicação de Incidente de Segurança) Art. 6: "no prazo de três
  // dias úteis", counted from the controller's knowledge that the incident affected personal data; the same term
  // for the data subjects (Art. 9). Working days on the São Paulo calendar, the day of awareness not counted, the
  // last day whole; national and local holidays are not skipped (the earlier date is always compliant).
  // Small processing agents have double terms (Res. CD/ANPD nº 2/2022 Art. 14): not modelled.
  {
    regime: 'lgpd',
    period: { unit: 'business-days', amount: 3 },
    rule: '3 working days',
    basis: 'LGPD Art. 48 with Resolução CD/ANPD nº 15/2024 Art. 6: notify the ANPD within 3 working days of knowing that the incident affected personal data (supplementary information within 20 working days)',
  },
  // PIPEDA s. 10.1(1)-(2): report a breach of security safeguards with a real risk of significant harm to the
  // Commissioner "as soon as feasible after the organization determines that the breach has occurred".
  {
    regime: 'pipeda',
    period: null,
    rule: 'as soon as feasible',
    basis: 'PIPEDA s. 10.1(1)-(2): report to the Privacy Commissioner "as soon as feasible" after determining that the breach occurred (real risk of significant harm); no fixed deadline',
  },
  // The CCPA itself sets no authority notification. California's breach law (Cal. Civ. Code § 1798.82, as amended
  // by SB 446 from 1 January 2026) times the notice to residents (30 calendar days from discovery) and a sample
  // notice to the Attorney General within 15 calendar days of notifying residents, where more than 500 are
  // notified: the authority deadline runs from the residents' notice, not from awareness, so none is computed here.
  {
    regime: 'ccpa',
    period: null,
    rule: 'no deadline from awareness',
    basis: 'CCPA: no authority notification. Cal. Civ. Code § 1798.82 (as amended by SB 446, from 2026): residents within 30 calendar days of discovery; over 500 residents notified, a sample notice to the Attorney General within 15 calendar days of notifying them',
  },
]);

/** The breach clock rule of a regime (every regime has one). */
export function findBreachClockRule(regime: Regime): BreachClockRule {
  const rule = BREACH_CLOCK_RULES.find((r) => r.regime === regime);
  if (!rule) throw new Error(`no breach clock rule for regime ${regime}`);
  return rule;
}
