import type { ShippedLocale } from '../../src/i18n/shipped-locales';

/** What customers type, per language, in the consent dialog tables (the fake classifier maps each to its intent). */

/** A withdrawal naming a purpose and a channel: offers by SMS. */
export const STOP_SMS: Record<ShippedLocale, string> = {
  en: 'Stop texting me offers',
  it: 'Non mandatemi più offerte via SMS',
  de: 'Schicken Sie mir keine Angebote mehr per SMS',
  fr: "Arrêtez de m'envoyer des offres par SMS",
  es: 'Dejen de mandarme ofertas por SMS',
  pt: 'Parem de me mandar ofertas por SMS',
  nl: 'Stuur me geen aanbiedingen meer per sms',
};

/** Asking to see one's consents. */
export const CHECK: Record<ShippedLocale, string> = {
  en: 'What did I agree to?',
  it: 'A cosa ho dato il consenso?',
  de: 'Wozu habe ich meine Einwilligung gegeben?',
  fr: 'À quoi ai-je donné mon consentement ?',
  es: '¿A qué he dado mi consentimiento?',
  pt: 'Com o que eu concordei?',
  nl: 'Waarvoor heb ik toestemming gegeven?',
};
