import { TurnContext } from 'botbuilder';
import { isAppError } from '../errors/app-error';
import { ErrorCode } from '../errors/codes';
import { ShippedLocale, resolveLocale } from '../i18n/shipped-locales';
import { Translations, Translator } from '../i18n/translator';
import type { Logger } from '../log/logger';
import { peekTurnTranslator } from './turn-locale';
import { customerErrorId } from '../log/customer-error-id';

/** Which apology the customer gets for an error code. */
const MESSAGE_BY_CODE: Partial<Record<ErrorCode, string>> = {
  PSB_STATE_UNAVAILABLE: 'bot.unavailable',
  PSB_TURN_BUSY: 'bot.busy',
};

export interface TurnErrorDeps {
  translations: Translations;
  defaultLocale: ShippedLocale;
  logger: Logger;
}

/**
 * The adapter's onTurnError: logs the failure (redacted, with an id) and tells the customer in
 * their language; the turn's state was not committed, so nothing half-done is kept.
 */
export function createTurnErrorHandler(deps: TurnErrorDeps) {
  const logger = deps.logger.child({ module: 'turn' });
  return async (context: TurnContext, error: Error): Promise<void> => {
    const errorId = customerErrorId();
    const code: ErrorCode = isAppError(error) ? error.code : 'PSB_INTERNAL';
    const level = code === 'PSB_INTERNAL' ? 'error' : 'warn';
    logger[level]({ err: error, errorId, code, channelId: context.activity.channelId, activityType: context.activity.type }, 'turn failed');
    const translator: Translator = peekTurnTranslator(context) ?? deps.translations.for(resolveLocale(undefined, context.activity.locale, deps.defaultLocale));
    try {
      await context.sendActivity(translator.t(MESSAGE_BY_CODE[code] ?? 'bot.apology', { errorId }));
    } catch (sendError) {
      logger.warn({ err: sendError, errorId }, 'could not send the apology');
    }
  };
}
