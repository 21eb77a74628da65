import { MessageFactory, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { receiptLines } from '../../dialogs/consent-presentation';
import { gpcSignal } from '../channels/webchat/gpc-signal';
import { isSharedConversation } from '../channels/teams/teams-context';
import { formatInZone } from '../privacy/clocks/deadlines';
import type { ConsentPair } from '../privacy/consent/consent-scope';
import type { ConsentSelfService } from '../privacy/consent/consent-self-service';
import { channelName, listOf } from '../privacy/consent/consent-wording';
import { saleOptOutPairs } from '../privacy/consent/sale-opt-out';
import { collectionMethodOf } from './collection-method';
import type { CustomerAssurance } from './customer-assurance';
import { customerTimeZone } from './customer-time-zone';
import { onceThisTurn } from './turn-effects';
import { turnTranslator } from './turn-locale';

export interface GpcOptOutDeps {
  readonly consents: Pick<ConsentSelfService, 'catalog' | 'change'>;
  readonly assurance: Pick<CustomerAssurance, 'current' | 'allows'>;
  /** The subjects whose opt-out of sale/sharing this conversation recorded, asked for or by GPC (conversation state: it expires with it). */
  readonly recorded: StatePropertyAccessor<string[]>;
}

/**
 * Honours Global Privacy Control: when a Web Chat conversation carries the signal
 * (`channelData.gpc`, see gpc-signal.ts) and the customer is known well enough for the CCPA
 * opt-out (`consent.optOutSale` in the policy: identified), the opt-out of the sale and sharing of
 * their personal information is recorded — once per subject and conversation — and they are told.
 *
 * Once: the conversation remembers whom it recorded an opt-out for — by GPC or because the customer
 * asked (no ledger round trip on later turns) — and the ledger's idempotency key (`gpc:<subject>`
 * in this conversation) makes a lost session or a second instance record nothing more either.
 */
export class GpcOptOut {
  private readonly scope: readonly ConsentPair[];

  constructor(private readonly deps: GpcOptOutDeps) {
    this.scope = saleOptOutPairs(deps.consents.catalog);
  }

  /** Records and announces the opt-out when this turn calls for it; does nothing otherwise. */
  async honour(context: TurnContext): Promise<void> {
    if (!gpcSignal(context) || isSharedConversation(context.activity)) return;
    const held = await this.deps.assurance.current(context);
    const subjectId = held.claim?.subjectId;
    if (subjectId === undefined || !(await this.deps.assurance.allows(context, 'consent.optOutSale'))) return;
    const recorded = (await this.deps.recorded.get(context)) ?? [];
    if (recorded.includes(subjectId)) return;
    const translator = turnTranslator(context);
    const { activity } = context;
    const outcome = await onceThisTurn(context, `gpc:${subjectId}`, () =>
      this.deps.consents.change({
        subjectId,
        direction: 'withdraw',
        pairs: this.scope,
        collectionMethod: collectionMethodOf(activity.channelId),
        language: translator.locale,
        conversationId: activity.conversation.id,
        activityId: `gpc:${subjectId}`,
        assurance: held.level,
        contactKind: held.claim?.kind,
        basis: 'gpc_signal',
      }),
    );
    await this.deps.recorded.set(context, [...recorded, subjectId]);
    // Recorded by an earlier turn whose session was lost: the customer was told then.
    if (outcome.replayed) return;
    const channels = listOf(
      [...new Set(this.scope.map((pair) => pair.channel))].map((channel) => channelName(channel, translator)),
      translator,
    );
    const said = translator.t('consent.optOutSale.gpc', { time: formatInZone(outcome.effectiveAt, customerTimeZone(context), translator.locale), channels });
    await context.sendActivity(MessageFactory.text([said, ...receiptLines(outcome, translator)].join('\n\n')));
  }
}
