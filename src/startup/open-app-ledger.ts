import type { BotOptions } from '../config/options';
import { Ledger, openLedger } from '../ledger/ledger';
import type { Logger } from '../log/logger';

/**
 * Opens the privacy ledger (migrations applied, purposes synced) and says which backend it uses. Light to
 * import, so main.ts can start it before the rest of the bot is loaded: a new embedded ledger's folder is
 * copied from its template by the thread pool while the modules load.
 */
export async function openAppLedger(options: BotOptions, logger: Logger): Promise<Ledger> {
  for (const warning of options.ledger.warnings) logger.warn({ module: 'ledger' }, warning);
  const ledger = await openLedger(options.ledger);
  logger.info(
    { backend: ledger.db.backend, where: options.ledger.backendDescription, migrationsApplied: ledger.migration.applied, identifiersEncrypted: ledger.identifiersEncryptedAtOpen },
    `ledger: ${options.ledger.backendDescription}`,
  );
  return ledger;
}
