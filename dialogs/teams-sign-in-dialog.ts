import { Attachment, MessageFactory } from 'botbuilder';
import { Dialog, DialogContext, DialogTurnResult } from 'botbuilder-dialogs';
import { CustomerAssurance } from '../src/bot/customer-assurance';
import { turnTranslator } from '../src/bot/turn-locale';
import type { TeamsSso } from '../src/channels/teams/teams-sso';
import { DialogIds, DialogStartOptions } from './dialog-ids';

export interface TeamsSignInDialogDeps {
  readonly sso: Pick<TeamsSso, 'appliesTo' | 'signInCard' | 'isSignInInvoke'>;
  readonly assurance: Pick<CustomerAssurance, 'current' | 'signedInWithTeams'>;
  /** Told when the sign-in card could not be made (the token service did not answer): the code flow follows. */
  readonly onCardFailure?: (err: unknown) => void;
}

/**
 * How the sign-in ended: `signedIn` — a sign-in invoke came back (the bot recorded what it proved
 * before this dialog resumed; the session may or may not be verified now); `typed` — the customer
 * wrote instead (an identifier, say), which the gate hands on to the identity dialog; `skipped` —
 * no card could be sent.
 */
export interface TeamsSignInResult {
  readonly outcome: 'signedIn' | 'typed' | 'skipped';
  readonly utterance?: string;
}

/**
 * Teams SSO, offered once per session in a personal chat when the assurance gate needs more than
 * the session holds: sends the OAuthCard (Teams exchanges the token silently where the tenant
 * consented, else shows its sign-in button) and waits. The exchange itself is the bot's work at the
 * edge (PrivacyBot's invoke handling), which records the outcome in the session before this dialog
 * resumes; this dialog only decides what comes next.
 */
export class TeamsSignInDialog extends Dialog<DialogStartOptions> {
  constructor(private readonly deps: TeamsSignInDialogDeps) {
    super(DialogIds.teamsSignIn);
  }

  /** Whether the gate should offer the sign-in now: SSO applies to this turn and was not tried in this session. */
  async offered(dc: DialogContext): Promise<boolean> {
    if (!this.deps.sso.appliesTo(dc.context)) return false;
    return !(await this.deps.assurance.current(dc.context)).teamsSignInTried;
  }

  override async beginDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const translator = turnTranslator(dc.context);
    let card: Attachment;
    try {
      card = await this.deps.sso.signInCard(dc.context, { text: translator.t('teamsSso.card.text'), button: translator.t('teamsSso.card.button') });
    } catch (err) {
      this.deps.onCardFailure?.(err);
      await this.deps.assurance.signedInWithTeams(dc.context, undefined);
      return dc.endDialog({ outcome: 'skipped' } satisfies TeamsSignInResult);
    }
    await dc.context.sendActivity(MessageFactory.attachment(card));
    return Dialog.EndOfTurn;
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const activity = dc.context.activity;
    if (this.deps.sso.isSignInInvoke(activity)) {
      const held = await this.deps.assurance.current(dc.context);
      if (held.level === 'verified') await dc.context.sendActivity(turnTranslator(dc.context).t('teamsSso.signedIn'));
      return dc.endDialog({ outcome: 'signedIn' } satisfies TeamsSignInResult);
    }
    if (activity.type !== 'message') return Dialog.EndOfTurn;
    // The customer typed rather than signed in: the code flow, from what they wrote.
    await this.deps.assurance.signedInWithTeams(dc.context, undefined);
    return dc.endDialog({ outcome: 'typed', utterance: activity.text ?? '' } satisfies TeamsSignInResult);
  }
}
