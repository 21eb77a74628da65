/**
 * Labels of the test catalogs' categories and sources, in every shipped language: the parser refuses
 * a label missing one (Portuguese is Brazilian). Typed per shipped locale, so that a language added to
 * SHIPPED_LOCALES fails to compile here until each label has its text.
 */
import type { ShippedLocale } from '../../../../src/i18n/shipped-locales';

export type ShippedText = Readonly<Record<ShippedLocale, string>>;

/** The categories the test sources hold. */
export const TEST_CATEGORY_LABELS = {
  contact: { en: 'Contact details', it: 'Recapiti', de: 'Kontaktdaten', fr: 'Coordonnées', es: 'Datos de contacto', pt: 'Dados de contato', nl: 'Contactgegevens' },
  orders: { en: 'Orders', it: 'Ordini', de: 'Bestellungen', fr: 'Commandes', es: 'Pedidos', pt: 'Pedidos', nl: 'Bestellingen' },
  support: { en: 'Support tickets', it: 'Richieste di assistenza', de: 'Support-Tickets', fr: "Demandes d'assistance", es: 'Solicitudes de asistencia', pt: 'Chamados de suporte', nl: 'Supporttickets' },
} as const satisfies Record<string, ShippedText>;

export type TestCategoryId = keyof typeof TEST_CATEGORY_LABELS;

/** The test sources, by id. */
export const TEST_SOURCE_LABELS = {
  crm: {
    en: 'Customer relationship system',
    it: 'Sistema di gestione clienti',
    de: 'Kundenverwaltungssystem',
    fr: 'Système de gestion de la relation client',
    es: 'Sistema de gestión de clientes',
    pt: 'Sistema de gestão de clientes',
    nl: 'Klantbeheersysteem',
  },
  shop: { en: 'Online shop', it: 'Negozio online', de: 'Onlineshop', fr: 'Boutique en ligne', es: 'Tienda online', pt: 'Loja virtual', nl: 'Webwinkel' },
  desk: { en: 'Help desk', it: 'Assistenza clienti', de: 'Kundendienst', fr: "Service d'assistance", es: 'Servicio de asistencia', pt: 'Central de atendimento', nl: 'Helpdesk' },
  slow: {
    en: 'Contact archive (slow)',
    it: 'Archivio recapiti (lento)',
    de: 'Kontaktarchiv (langsam)',
    fr: 'Archive des coordonnées (lente)',
    es: 'Archivo de contactos (lento)',
    pt: 'Arquivo de contatos (lento)',
    nl: 'Contactarchief (traag)',
  },
  orders: { en: 'Orders system', it: 'Sistema ordini', de: 'Bestellsystem', fr: 'Système de commandes', es: 'Sistema de pedidos', pt: 'Sistema de pedidos', nl: 'Bestelsysteem' },
} as const satisfies Record<string, ShippedText>;

/** The label of test source `id`; a source not listed above is a mistake of the test, named. */
export function testSourceLabel(id: string): ShippedText {
  const label = (TEST_SOURCE_LABELS as Record<string, ShippedText>)[id];
  if (!label) throw new Error(`test source "${id}" has no labels: add it to TEST_SOURCE_LABELS (test/privacy/access/support/test-labels.ts) in every shipped language`);
  return label;
}
