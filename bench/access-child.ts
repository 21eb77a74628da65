/**
 * The other process of `bench/access.ts` (PERFORMANCE.md: what generates load or serves data never
 * runs inside the process measured). Two modes:
 *
 * - `serve`: the company's systems as HTTP data sources — `POST /orders` and `POST /tickets` answer
 *   `{"records": [...]}` for the customer whose email the signed body carries. The email says how
 *   many records that fictitious customer has (`…-o6000-t4000-…@example.com`); the content is
 *   deterministic and fictitious. Prints `{"port": N}` once listening.
 * - `baseline ORDERS TICKETS REPEATS`: the bare assembly, for the ratio — the same records written
 *   as data.json into a yazl ZIP piped to /dev/null; no ledger, no encryption, no jobs. Prints
 *   `{"ms": [..], "bytes": N}`.
 */
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';

const ITEMS = ['Kettle, steel', 'Teapot, 1 l', 'Espresso cups (6)', 'Tea towel', 'Coffee grinder', 'Milk frother', 'Sugar bowl', 'French press', 'Mug, blue', 'Tray, oak'];
const CITIES = ['20121 Milano', '00184 Roma', '10123 Torino', '40126 Bologna', '50122 Firenze', '80138 Napoli', '16123 Genova', '35122 Padova'];
const STATUSES = ['delivered', 'delivered', 'delivered', 'returned', 'shipped', 'cancelled'];
const TOPICS = ['Delivery delayed', 'Wrong item received', 'Refund request', 'Change of address', 'Invoice copy', 'Product question'];
const CHANNELS = ['email', 'phone', 'chat', 'web form'];
const DAY_MS = 24 * 60 * 60 * 1000;
const EPOCH = Date.UTC(2023, 0, 1, 9, 0, 0);

/** A number from a string, so each customer's records differ but never change between runs. */
function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function orderRecord(seed: number, i: number): Record<string, unknown> {
  const n = (seed + i * 7919) >>> 0;
  const quantity = 1 + (n % 4);
  const cents = 499 + (n % 9000);
  return {
    order: `A-${String(100000 + i)}`,
    placedAt: new Date(EPOCH + (i % 900) * DAY_MS + (n % 86400) * 1000).toISOString(),
    item: ITEMS[n % ITEMS.length],
    quantity,
    unitPrice: `${(cents / 100).toFixed(2)} EUR`,
    total: `${((cents * quantity) / 100).toFixed(2)} EUR`,
    status: STATUSES[n % STATUSES.length],
    deliveryAddress: `Via Esempio ${1 + (n % 120)}, ${CITIES[n % CITIES.length]}`,
  };
}

function ticketRecord(seed: number, i: number): Record<string, unknown> {
  const n = (seed + i * 104729) >>> 0;
  return {
    ticket: `T-${String(200000 + i)}`,
    openedAt: new Date(EPOCH + (i % 700) * DAY_MS + (n % 86400) * 1000).toISOString(),
    channel: CHANNELS[n % CHANNELS.length],
    topic: TOPICS[n % TOPICS.length],
    status: n % 5 === 0 ? 'open' : 'closed',
    messages: 1 + (n % 9),
    agent: `Agent ${1 + (n % 40)}`,
    summary: `Customer wrote about "${TOPICS[n % TOPICS.length].toLowerCase()}"; answered within ${1 + (n % 48)} h.`,
  };
}

/** How many orders and tickets the fictitious customer behind this email has. */
function countsOf(email: string): { orders: number; tickets: number } {
  const match = /-o(\d+)-t(\d+)-/.exec(email);
  return { orders: Number(match?.[1] ?? 0), tickets: Number(match?.[2] ?? 0) };
}

function serve(): void {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      const kind = (req.url ?? '').split('?')[0];
      let email = '';
      try {
        email = String((JSON.parse(Buffer.concat(parts).toString('utf8')) as { identifiers?: { email?: string } }).identifiers?.email ?? '');
      } catch {
        res.writeHead(400).end();
        return;
      }
      const counts = countsOf(email);
      const seed = seedOf(email);
      const [count, make] = kind === '/orders' ? [counts.orders, orderRecord] : kind === '/tickets' ? [counts.tickets, ticketRecord] : [-1, orderRecord];
      if (count < 0) {
        res.writeHead(404).end();
        return;
      }
      const records = Array.from({ length: count }, (_, i) => make(seed, i));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ records }));
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`));
  // Ends with its parent.
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

/** data.json as the copy writes it: one record per line, streamed, never the whole document at once. */
async function* dataJson(orders: readonly Record<string, unknown>[], tickets: readonly Record<string, unknown>[]): AsyncGenerator<Buffer> {
  yield Buffer.from('{\n  "sources": [');
  for (const [index, [id, records]] of ([['orders', orders], ['tickets', tickets]] as const).entries()) {
    yield Buffer.from(`${index === 0 ? '' : ','}\n    {"id": "${id}", "records": [`);
    for (let start = 0; start < records.length; start += 1000) {
      yield Buffer.from(records.slice(start, start + 1000).map((r, k) => `${start + k === 0 ? '' : ','}\n        ${JSON.stringify(r)}`).join(''));
    }
    yield Buffer.from(`\n      ]}`);
  }
  yield Buffer.from('\n  ]\n}\n');
}

async function bareZip(orders: readonly Record<string, unknown>[], tickets: readonly Record<string, unknown>[]): Promise<number> {
  const zip = new ZipFile();
  zip.addReadStream(Readable.from(dataJson(orders, tickets)), 'data.json', { mtime: new Date(EPOCH) });
  zip.end();
  let bytes = 0;
  const counted = zip.outputStream.on('data', (chunk: Buffer) => (bytes += chunk.length));
  await pipeline(counted, createWriteStream('/dev/null'));
  return bytes;
}

async function baseline(orderCount: number, ticketCount: number, repeats: number): Promise<void> {
  const seed = seedOf(`baseline-o${orderCount}-t${ticketCount}-@example.com`);
  const orders = Array.from({ length: orderCount }, (_, i) => orderRecord(seed, i));
  const tickets = Array.from({ length: ticketCount }, (_, i) => ticketRecord(seed, i));
  await bareZip(orders, tickets); // warm-up: JIT, zlib
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < repeats; i += 1) {
    const started = process.hrtime.bigint();
    bytes = await bareZip(orders, tickets);
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  process.stdout.write(`${JSON.stringify({ ms, bytes })}\n`);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'serve') serve();
else if (mode === 'baseline') {
  baseline(Number(args[0]), Number(args[1]), Number(args[2] ?? 3)).catch((err: unknown) => {
    process.stderr.write(`baseline failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
} else {
  process.stderr.write('usage: access-child.ts serve | baseline ORDERS TICKETS [REPEATS]\n');
  process.exit(2);
}
