/**
 * The fictitious CRM of the demo: what a company's customer system might hold (a profile, orders,
 * customer-service tickets), generated from the identifiers it is asked about, the same every time.
 * Names and addresses exist only for the seeded demo customers (src/ledger/demo/seed-demo.ts), who
 * are fictitious; anyone else gets a profile with the identifiers alone. No real person's data.
 */
import { createHash } from 'node:crypto';
import { DEMO_CUSTOMERS } from '../../ledger/demo/seed-demo';
import { RECORD_CATEGORY_KEY, SourceRecord } from '../../privacy/access/access-types';

type Identifiers = Readonly<Record<string, string>>;

/** Fictitious addresses of the demo customers, by their key in DEMO_CUSTOMERS. */
const DEMO_ADDRESSES: Readonly<Record<string, string>> = {
  giulia: 'Via Esempio 12, 20100 Milano, Italia',
  oliver: '1 Example Street, Leeds LS1 0AA, United Kingdom',
  maya: '100 Example Avenue, Los Angeles, CA 90000, United States',
};

const PRODUCTS = [
  { name: 'Reusable water bottle', price: 1490 },
  { name: 'Recycled paper notebook', price: 590 },
  { name: 'Cotton tote bag', price: 990 },
  { name: 'Desk lamp', price: 3490 },
  { name: 'Wireless mouse', price: 2490 },
  { name: 'Ceramic mug', price: 890 },
  { name: 'Umbrella', price: 1990 },
] as const;
const TICKET_SUBJECTS = ['Parcel arrived damaged', 'Change of delivery address', 'Question about an invoice', 'Return and refund', 'Password reset'] as const;
const TIERS = ['bronze', 'silver', 'gold'] as const;

/** A small deterministic generator (mulberry32) seeded from the identifiers' hash. */
function generator(identifiers: Identifiers, salt: string): () => number {
  const key = identifiers.customer_number ?? identifiers.email ?? identifiers.phone ?? identifiers.aad_object_id ?? '';
  let state = createHash('sha256').update(`${salt}:${key}`).digest().readUInt32BE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)];
const dayBetween = (random: () => number, from: string, to: string): Date => {
  const start = Date.parse(from);
  const days = Math.floor((Date.parse(to) - start) / 86_400_000);
  return new Date(start + Math.floor(random() * days) * 86_400_000 + 9 * 3_600_000 + Math.floor(random() * 9) * 3_600_000);
};

function demoCustomerOf(identifiers: Identifiers): (typeof DEMO_CUSTOMERS)[number] | undefined {
  return DEMO_CUSTOMERS.find((c) => c.email === identifiers.email || c.phone === identifiers.phone || c.customerNumber === identifiers.customer_number);
}

/** The currency of the customer's country, guessed from the phone's country code (EUR when unknown). */
function currencyOf(identifiers: Identifiers): string {
  if (identifiers.phone?.startsWith('+44')) return 'GBP';
  if (identifiers.phone?.startsWith('+1')) return 'USD';
  return 'EUR';
}

function customerNumberOf(identifiers: Identifiers, random: () => number): string {
  return identifiers.customer_number ?? `CRM-${String(100000 + Math.floor(random() * 900000))}`;
}

/** The profile: one record. */
export function demoProfile(identifiers: Identifiers): SourceRecord {
  const random = generator(identifiers, 'profile');
  const customer = demoCustomerOf(identifiers);
  return {
    [RECORD_CATEGORY_KEY]: 'contact',
    customerNumber: customerNumberOf(identifiers, random),
    name: customer?.name ?? null,
    email: identifiers.email ?? null,
    phone: identifiers.phone ?? null,
    postalAddress: customer ? DEMO_ADDRESSES[customer.key] ?? null : null,
    customerSince: dayBetween(random, '2019-01-01', '2024-01-01').toISOString().slice(0, 10),
    loyaltyTier: pick(random, TIERS),
    preferredLanguage: customer?.language ?? null,
  };
}

/** Orders: three to six, each with its lines and total. */
export function demoOrders(identifiers: Identifiers): SourceRecord[] {
  const random = generator(identifiers, 'orders');
  const currency = currencyOf(identifiers);
  const count = 3 + Math.floor(random() * 4);
  const orders = Array.from({ length: count }, () => {
    const placedAt = dayBetween(random, '2024-01-01', '2026-06-30');
    const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({ product: pick(random, PRODUCTS), quantity: 1 + Math.floor(random() * 2) }));
    const cents = lines.reduce((sum, line) => sum + line.product.price * line.quantity, 0);
    return {
      placedAt,
      items: lines.map((line) => `${line.product.name} × ${line.quantity}`).join(', '),
      total: (cents / 100).toFixed(2),
      status: random() < 0.15 ? 'returned' : 'delivered',
    };
  }).sort((a, b) => a.placedAt.getTime() - b.placedAt.getTime());
  return orders.map((order, index) => ({
    [RECORD_CATEGORY_KEY]: 'orders',
    orderNumber: `ORD-${order.placedAt.getUTCFullYear()}-${String(1000 + index * 137 + Math.floor(random() * 100)).padStart(5, '0')}`,
    placedAt: order.placedAt.toISOString(),
    items: order.items,
    total: order.total,
    currency,
    status: order.status,
  }));
}

/** Customer-service tickets: one to three, all closed. */
export function demoTickets(identifiers: Identifiers): SourceRecord[] {
  const random = generator(identifiers, 'tickets');
  const count = 1 + Math.floor(random() * 3);
  return Array.from({ length: count }, (_, index) => {
    const openedAt = dayBetween(random, '2024-01-01', '2026-06-30');
    return {
      [RECORD_CATEGORY_KEY]: 'support',
      ticketNumber: `TCK-${String(50000 + index * 311 + Math.floor(random() * 300))}`,
      openedAt: openedAt.toISOString(),
      closedAt: new Date(openedAt.getTime() + (1 + Math.floor(random() * 5)) * 86_400_000).toISOString(),
      channel: pick(random, ['email', 'phone', 'chat'] as const),
      subject: pick(random, TICKET_SUBJECTS),
      status: 'closed',
    };
  });
}
