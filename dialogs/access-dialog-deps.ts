import type { Dialog } from 'botbuilder-dialogs';
import type { CustomerAssurance } from '../src/bot/customer-assurance';
import type { Logger } from '../src/log/logger';
import type { AccessRequests } from '../src/privacy/access/access-requests';
import type { YesNoReader } from './consent-dialog-deps';
import type { MenuEntry } from './menu';

/** What the access-request dialogs ("a copy of my data", "where is my request?") need. */
export interface AccessDialogDeps {
  /** The access-request service: the dialogs hold no rule of their own. */
  readonly access: Pick<AccessRequests, 'categories' | 'preview' | 'request' | 'casesOf' | 'find'>;
  readonly assurance: Pick<CustomerAssurance, 'current'>;
  readonly yesNo: YesNoReader;
  /** The assurance gate (one instance, added as a child of each dialog). */
  readonly gate: Dialog;
  readonly menu: readonly MenuEntry[];
  /** Where a request that could not be opened is logged, with the id the customer is given. */
  readonly logger: Logger;
  /** "Has the download link expired?" is asked of this clock. @default () => new Date() */
  readonly now?: () => Date;
}
