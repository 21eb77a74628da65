import { AuthenticationError } from 'botframework-connector';
import { AppError } from '../errors/app-error';

/** `Retry-After` of the 503 answered while the channel's signing keys cannot be fetched, seconds. */
export const SIGNING_KEYS_RETRY_AFTER_SECONDS = 30;

/**
 * jsonwebtoken's rejections (bad signature, `alg: none`, an algorithm outside RS256, expiry,
 * not-yet-valid). botframework-connector rethrows them as they are, so without this they
 * would surface as a 500. Matched by class name: jsonwebtoken is not our dependency.
 */
const REJECTED_TOKEN_ERROR_NAMES: ReadonlySet<string> = new Set(['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError']);

/**
 * Turns whatever checking a Bot Framework channel token threw into the caller's answer:
 * a refused token is `PSB_UNAUTHORIZED` (401); signing keys that could not be fetched
 * (network down, metadata host unreachable or answering an error or garbage) are
 * `PSB_BOT_KEYS_UNAVAILABLE` (503 with `retryAfterSeconds`), since the caller's token may
 * be fine and a retry may succeed. Never a 500: nothing the caller sent makes the bot fail.
 */
export function channelTokenFailure(err: unknown): AppError {
  if (err instanceof AuthenticationError && err.statusCode < 500) {
    return new AppError('PSB_UNAUTHORIZED', 'a valid Bot Framework token is required (Authorization: Bearer ...)');
  }
  if (err instanceof Error && REJECTED_TOKEN_ERROR_NAMES.has(err.name)) {
    return new AppError('PSB_UNAUTHORIZED', 'the Bot Framework token was refused (signature, algorithm or lifetime)');
  }
  return new AppError(
    'PSB_BOT_KEYS_UNAVAILABLE',
    `the Bot Framework signing keys cannot be fetched; try again in ${SIGNING_KEYS_RETRY_AFTER_SECONDS} s`,
    { retryAfterSeconds: SIGNING_KEYS_RETRY_AFTER_SECONDS },
    { cause: err },
  );
}
