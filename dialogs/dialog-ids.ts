import type { ShippedLocale } from '../src/i18n/shipped-locales';
/** Ids of every dialog and prompt, in one place: a dialog stack saved in state refers to these. */
export const DialogIds = {
  main: 'main',
  mainWaterfall: 'main.waterfall',
  language: 'language',
  languageWaterfall: 'language.waterfall',
  languageChoice: 'language.choice',
  languageSwitch: 'language.switch',
  languageSwitchWaterfall: 'language.switch.waterfall',
  languageSwitchPrompt: 'language.switch.prompt',
  identity: 'identity',
  identityWaterfall: 'identity.waterfall',
  identityPrompt: 'identity.prompt',
  identityCode: 'identity.code',
  identityCodeWaterfall: 'identity.code.waterfall',
  identityCodePrompt: 'identity.code.prompt',
  assuranceGate: 'assurance.gate',
  teamsSignIn: 'assurance.teamsSignIn',
  assuranceGateWaterfall: 'assurance.gate.waterfall',
  handoff: 'handoff',
  consentCheck: 'consent.check',
  consentCheckWaterfall: 'consent.check.waterfall',
  consentWithdraw: 'consent.withdraw',
  consentGive: 'consent.give',
  consentChangeWaterfall: 'consent.change.waterfall',
  consentPurposePrompt: 'consent.change.purpose',
  consentChannelPrompt: 'consent.change.channel',
  consentConfirmPrompt: 'consent.change.confirm',
  consentOptOutSale: 'consent.optOutSale',
  consentOptOutSaleWaterfall: 'consent.optOutSale.waterfall',
  consentOptOutSaleConfirmPrompt: 'consent.optOutSale.confirm',
  dataCopy: 'data.copy',
  dataCopyWaterfall: 'data.copy.waterfall',
  dataCopyConfirmPrompt: 'data.copy.confirm',
  caseStatus: 'case.status',
  caseStatusWaterfall: 'case.status.waterfall',
  concernReport: 'concern.report',
  concernReportWaterfall: 'concern.report.waterfall',
  concernTopicPrompt: 'concern.report.topic',
  concernDescriptionPrompt: 'concern.report.description',
  concernWhenPrompt: 'concern.report.when',
  concernDataPrompt: 'concern.report.data',
  concernReplyPrompt: 'concern.report.reply',
  concernContactPrompt: 'concern.report.contact',
  concernOfferPrompt: 'concern.report.offer',
  incident: 'incident',
  incidentWaterfall: 'incident.waterfall',
} as const;

export type DialogId = (typeof DialogIds)[keyof typeof DialogIds];

/**
 * What every dialog started from the main dialog receives: the message that asked for it, so a
 * slot the customer already filled ("switch to Italian") is not asked again.
 */
export interface DialogStartOptions {
  readonly utterance: string;
  /**
   * The language the utterance is written in when it is not the session's (the customer kept
   * their language but wrote in another shipped one): its details (purposes, channels, data,
   * dates) are read in that language; the dialog still answers in the session's.
   */
  readonly understoodIn?: ShippedLocale;
}

/** The language in which to read the words of the message that started a dialog. */
export function utteranceLocale(options: DialogStartOptions | undefined, sessionLocale: ShippedLocale): ShippedLocale {
  return options?.understoodIn ?? sessionLocale;
}

/**
 * How the main dialog starts (again): a message to route that is not this turn's text (the one
 * a language question held back), and the language it was understood in when that is not the
 * session's (the customer kept their language but wrote in another one we ship).
 */
export interface MainRouteOptions {
  readonly utterance: string;
  readonly understoodIn?: ShippedLocale;
}
