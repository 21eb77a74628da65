import type { Dialog } from 'botbuilder-dialogs';
import type { CustomerAssurance } from '../src/bot/customer-assurance';
import type { Logger } from '../src/log/logger';
import type { ConcernTopicReader } from '../src/nlu/concern-topic-recognizer';
import type { OccurredAtReader } from '../src/nlu/occurred-at-recognizer';
import type { DataCategory } from '../src/privacy/access/access-types';
import type { Concerns } from '../src/privacy/concerns/concerns';
import type { YesNoReader } from './consent-dialog-deps';
import type { MenuEntry } from './menu';

/** What the concern report dialog ("I want to report a data breach") needs. */
export interface ConcernDialogDeps {
  /** The concern service: the dialog holds no rule of its own (suspected breach, DPO alert, sealing). */
  readonly concerns: Pick<Concerns, 'report'>;
  readonly assurance: Pick<CustomerAssurance, 'current'>;
  /** What the concern is about, in the customer's words. */
  readonly topics: ConcernTopicReader;
  /** When it happened, in the customer's words. */
  readonly dates: OccurredAtReader;
  /** Which data: the categories the privacy team knows (the access catalog's, labelled per language). */
  readonly categories: readonly DataCategory[];
  readonly yesNo: YesNoReader;
  /** The assurance gate (one instance, added as a child): a reporter who wants a reply is matched by the contact they give. */
  readonly gate: Dialog;
  /** The handoff dialog: a suspected breach offers a person now. */
  readonly handoff: Dialog;
  readonly menu: readonly MenuEntry[];
  /** Where a report that could not be recorded is logged, with the id the customer is given. */
  readonly logger: Logger;
  /** "Yesterday" and "tomorrow" are read against this clock. @default () => new Date() */
  readonly now?: () => Date;
  /** The zone of a customer whose client names none. @default 'Europe/Brussels' (GDPR's) */
  readonly defaultTimeZone?: string;
}
