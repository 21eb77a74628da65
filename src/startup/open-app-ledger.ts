import type { BotOptions } from '../config/options';
import { Ledger, openLedger } from '../ledger/ledger';
import type { Logger } from '../log/logger';

/** Opens the privacy ledger (migrations applied, purposes synced) and says which backend it uses. */
export async function openAppLedger(options: BotOptions, logger: Logger): Promise<Ledger> {
  for (const warning of options.ledger.warnings) logger.warn({ module: 'ledger' }, warning);
  const ledger = await openLedger(options.ledger);
  if (ledger.template?.seeded === false) logger.warn({ module: 'ledger', reason: ledger.template.failure }, 'ledger: the new folder could not be copied from the template; initdb and the migrations filled it instead');
  logger.info(
    { backend: ledger.db.backend, where: options.ledger.backendDescription, fromTemplate: ledger.template?.seeded === true, migrationsApplied: ledger.migration.applied, identifiersEncrypted: ledger.identifiersEncryptedAtOpen },
    `ledger: ${options.ledger.backendDescription}`,
  );
  return ledger;
}
