import { DialogState } from 'botbuilder-dialogs';
import { SessionProperty } from '../turn/session-property';
import { UserPreferences } from './session-types';

/** The state the bot keeps, by scope: the dialog stack per conversation, preferences per person. */
export interface StateProperties {
  readonly dialogState: SessionProperty<DialogState>;
  readonly preferences: SessionProperty<UserPreferences>;
  /** Whether this conversation has been greeted. */
  readonly welcomed: SessionProperty<boolean>;
}

export function createStateProperties(): StateProperties {
  return {
    dialogState: new SessionProperty<DialogState>('conversation', 'dialogState'),
    preferences: new SessionProperty<UserPreferences>('user', 'preferences'),
    welcomed: new SessionProperty<boolean>('conversation', 'welcomed'),
  };
}
