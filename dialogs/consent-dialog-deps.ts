import type { StatePropertyAccessor } from 'botbuilder';
import type { Dialog } from 'botbuilder-dialogs';
import type { CustomerAssurance } from '../src/bot/customer-assurance';
import type { ConsentScopeMention } from '../src/nlu/consent-scope-recognizer';
import type { ConsentSelfService } from '../src/privacy/consent/consent-self-service';
import type { MenuEntry } from './menu';

export interface ConsentScopeReader {
  recognize(text: string, locale: string): ConsentScopeMention;
}

export interface YesNoReader {
  recognize(text: string, locale: string): 'yes' | 'no' | undefined;
}

/** What the consent dialogs need: the domain service, who the customer is, the words they use. */
export interface ConsentDialogDeps {
  readonly consents: Pick<ConsentSelfService, 'catalog' | 'current' | 'overview' | 'history' | 'change'>;
  readonly assurance: Pick<CustomerAssurance, 'current' | 'required'>;
  readonly scope: ConsentScopeReader;
  readonly yesNo: YesNoReader;
  /** The assurance gate (one instance, added as a child of each dialog). */
  readonly gate: Dialog;
  readonly menu: readonly MenuEntry[];
  /** Subjects whose opt-out of sale/sharing this conversation recorded: kept so a GPC signal does not record it again. */
  readonly saleOptOuts?: StatePropertyAccessor<string[]>;
}
