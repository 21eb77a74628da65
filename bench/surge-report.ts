/** What `npm run surge` prints at the end (bench/surge.ts): tables, then one line of JSON. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { SurgeResult } from './surge';
import type { Latency } from './surge-stats';

const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 1 : 0)} ms` : 'n/a');
const round1 = (value: number): number => Number(value.toFixed(1));

function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('   '));
  }
}

/** The machine, as /proc and os tell it. */
export function machine(): { cpus: number; cpu: string; memoryGb: number; loadAverage: number[]; node: string } {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux: what os says
  }
  return { cpus: os.cpus().length, cpu, memoryGb: Math.round(os.totalmem() / 1024 ** 3), loadAverage: os.loadavg().map((n) => Number(n.toFixed(2))), node: process.version };
}

const latencyJson = (latency: Latency) => ({ turns: latency.turns, p50Ms: round1(latency.p50Ms), p99Ms: round1(latency.p99Ms), maxMs: round1(latency.maxMs) });

export function printSurgeReport(r: SurgeResult): void {
  const o = r.options;
  console.log(
    `\nsurge over Direct Line (token, conversation, WebSocket stream; messages to both instances in turn): ${o.customers} customers, ${o.concurrency} at a time, think time ${o.thinkMs.min}–${o.thinkMs.max} ms, mix welcome:withdraw:status:concern = ${[o.mix.welcome, o.mix.withdraw, o.mix.status, o.mix.concern].join(':')}, seed ${o.seed}`,
  );
  printTable([
    ['flow', 'customers', 'completed', 'errors', 'turns', 'p50/turn', 'p99/turn', 'max'],
    ...r.flows.map((f) => [f.kind, String(f.planned), String(f.completed), String(f.failed), String(f.turns), ms(f.p50Ms), ms(f.p99Ms), ms(f.maxMs)]),
    ['all', String(o.customers), String(r.completed), String(r.errors), String(r.turns.turns), ms(r.turns.p50Ms), ms(r.turns.p99Ms), ms(r.turns.maxMs)],
  ]);
  console.log(`   a turn: from just before the message is posted (for a conversation's start: before the token is asked for) to the arrival on the stream of the last reply the step expects (each step has a known list of replies; bench/surge-flows.ts).`);
  console.log(`   conversation starts p50 ${ms(r.conversationStarts.p50Ms)}, p99 ${ms(r.conversationStarts.p99Ms)}; messages p50 ${ms(r.messages.p50Ms)}, p99 ${ms(r.messages.p99Ms)}; ${r.turnsPerSecond.toFixed(0)} turns/s over the surge.`);
  console.log('   errors: a non-2xx or unanswered request, a reply other than the one expected (or more replies than expected), an apology, no reply or code mail within the timeout, a stream that closed, repeated or skipped an activity, an answer the client could not read.');
  for (const [kind, n] of Object.entries(r.errorsByKind)) console.log(`   errors: ${kind} × ${n}`);
  for (const e of r.errorSamples) console.log(`     e.g. ${e.flow}, at "${e.step}": ${e.kind}: ${e.detail}`);

  console.log('\nper step');
  printTable([['step', 'turns', 'p50', 'p99', 'max'], ...r.steps.map((s) => [s.step, String(s.turns), ms(s.p50Ms), ms(s.p99Ms), ms(s.maxMs)])]);

  console.log('\ninstances (two, sharing Redis and PostgreSQL)');
  const mb = (value: number | undefined): string => (value !== undefined && Number.isFinite(value) ? `${value} MB` : 'gone');
  printTable([['instance', 'ready after', 'RSS start', 'RSS at ¼ of the customers', 'at ½', 'at ¾', 'RSS end', 'idle after'], ...r.instances.map((i) => [i.name, `${i.readySeconds.toFixed(2)} s`, mb(i.rssStartMb), mb(i.rssQuartersMb[0]), mb(i.rssQuartersMb[1]), mb(i.rssQuartersMb[2]), mb(i.rssEndMb), mb(i.rssSettledMb)])]);
  console.log(`   RSS that climbs from ¼ to the end is memory kept (a leak); a plateau is the capacity the heap grew to for the customers in flight. "idle after": ${r.options.settleSeconds} s after the last customer, nothing running.`);
  for (const i of r.instances) {
    for (const [what, n] of Object.entries(i.warnings)) console.log(`   ${i.name} logged ${what} × ${n}`);
    for (const sample of i.errorSamples) console.log(`     ${i.name}, e.g. ${sample}`);
    if (i.exitedDuringSurge) console.log(`   ${i.name} ENDED DURING THE SURGE: ${i.exitedDuringSurge}`);
  }

  const v = r.ledgerVerify;
  console.log('\nledger');
  console.log(`   ledger verify: exit ${v.exitCode}, ${v.report ? `${v.report.ok ? 'all chains verify' : `broken: ${JSON.stringify(v.report.broken)}`}, ${v.report.consentEventsChecked} consent events and ${v.report.auditEntriesChecked} audit entries checked` : 'no report'} in ${v.seconds.toFixed(1)} s${v.complaint ? `: ${v.complaint}` : ''}`);
  const c = r.records;
  console.log(`   withdrawal events ${c.withdrawalEvents} for ${c.confirmedWithdrawals} confirmed withdrawals; verifications by code ${c.codeVerifications} for ${c.verifiedCustomers} customers told "right code"; concerns ${c.concerns} for ${c.reportedConcerns} references given`);
  for (const [what, n] of Object.entries(c.mismatches)) console.log(`   MISMATCH: ${what} × ${n} customers`);
  console.log(`   consistent: ${r.ledgerConsistent ? 'yes' : 'NO'}`);

  console.log(`\nRedis under the run's prefix: ${r.redis.keys} keys, ${(r.redis.bytes / 1024 ** 2).toFixed(1)} MB, ${(r.redis.bytesPerConversation / 1024).toFixed(2)} KB per conversation (MEMORY USAGE, ${r.redis.conversations} conversations)`);
  printTable([['key', 'keys', 'bytes/key', 'share'], ...r.redis.groups.slice(0, 10).map((g) => [g.pattern, String(g.keys), (g.bytes / g.keys).toFixed(0), `${((100 * g.bytes) / Math.max(1, r.redis.bytes)).toFixed(1)} %`])]);
  console.log(`\nmail: ${r.mail.received} received by the SMTP sink, ${r.mail.codesRead} codes read by customers, ${r.mail.other} others`);
  console.log(`wall time: surge ${r.surgeSeconds.toFixed(1)} s; all ${r.totalSeconds.toFixed(1)} s (seeding ${r.seedSeconds.toFixed(1)} s); bots: ${r.botEntry}, NODE_ENV=production\n`);

  const json = {
    date: new Date().toISOString(),
    machine: machine(),
    method: { customers: o.customers, concurrency: o.concurrency, thinkMs: o.thinkMs, mix: o.mix, seed: o.seed, timeoutMs: o.timeoutMs, quick: o.quick, instances: 2, transport: 'Direct Line 3.0, WebSocket streams', botEntry: r.botEntry, nodeEnv: 'production' },
    flows: Object.fromEntries(r.flows.map((f) => [f.kind, { customers: f.planned, completed: f.completed, errors: f.failed, ...latencyJson(f) }])),
    completed: r.completed,
    errors: r.errors,
    errorsByKind: r.errorsByKind,
    turns: latencyJson(r.turns),
    conversationStarts: latencyJson(r.conversationStarts),
    messages: latencyJson(r.messages),
    turnsPerSecond: Math.round(r.turnsPerSecond),
    ledger: { verifyExitCode: v.exitCode, chainsOk: v.report?.ok ?? false, consentEventsChecked: v.report?.consentEventsChecked, auditEntriesChecked: v.report?.auditEntriesChecked, ...c, consistent: r.ledgerConsistent },
    redis: { keys: r.redis.keys, bytes: r.redis.bytes, conversations: r.redis.conversations, bytesPerConversation: Math.round(r.redis.bytesPerConversation) },
    instances: r.instances.map((i) => ({ name: i.name, readySeconds: round1(i.readySeconds), rssStartMb: i.rssStartMb, rssQuartersMb: i.rssQuartersMb, rssEndMb: i.rssEndMb, rssSettledMb: i.rssSettledMb, ...(i.exitedDuringSurge ? { exitedDuringSurge: i.exitedDuringSurge } : {}) })),
    mail: r.mail,
    seconds: { seeding: round1(r.seedSeconds), surge: round1(r.surgeSeconds), total: round1(r.totalSeconds) },
  };
  console.log(JSON.stringify(json));
}
