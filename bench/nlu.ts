/**
 * `npx tsx bench/nlu.ts` (part of `npm run bench`): what understanding a message costs.
 * - Recognition: microseconds per utterance over the held-out lines of every language, the
 *   language advisor (tinyld) on top for messages not understood with confidence.
 * - Start-up: training all seven languages from scratch, then reading them from the model cache
 *   (a fresh folder, so the cold figure is really cold).
 * - Memory: heap used by the seven models.
 * One process; nothing else runs in it while it measures.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SHIPPED_LOCALES } from '../src/i18n/shipped-locales';
import { parseLabelledUtterances } from '../src/nlu/evaluate';
import { LinearIntentRecognizer } from '../src/nlu/linear-intent-recognizer';
import { MessageLanguageAdvisor } from '../src/nlu/message-language';

const ROUNDS = Number(process.env.BENCH_NLU_ROUNDS ?? 20);
const HELDOUT_DIR = path.join(__dirname, '..', 'test', 'fixtures', 'nlu', 'heldout');

function heapMb(): number {
  global.gc?.();
  return process.memoryUsage().heapUsed / 1e6;
}

async function main(): Promise<void> {
  const lines = readdirSync(HELDOUT_DIR)
    .filter((name) => name.endsWith('.tsv'))
    .flatMap((name) => parseLabelledUtterances(readFileSync(path.join(HELDOUT_DIR, name), 'utf8')));
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'psb-bench-nlu-'));
  try {
    const heapBefore = heapMb();
    let started = performance.now();
    const cold = await LinearIntentRecognizer.train({ threshold: 0.4, cacheDir });
    const coldMs = performance.now() - started;
    const heapModels = heapMb() - heapBefore;
    started = performance.now();
    const warm = await LinearIntentRecognizer.train({ threshold: 0.4, cacheDir });
    const warmMs = performance.now() - started;
    if (warm.cachedLocales.length !== SHIPPED_LOCALES.length) throw new Error(`expected every model from the cache, got ${warm.cachedLocales.join(', ')}`);

    // Warm-up, then the measured rounds; a counter suffix keeps any cache from answering.
    for (const line of lines) cold.recognizeNow(line.text, line.lang);
    started = performance.now();
    let count = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const line of lines) {
        cold.recognizeNow(`${line.text} ${round}`, line.lang);
        count += 1;
      }
    }
    const recognizeMs = (performance.now() - started) / count;

    const advisor = new MessageLanguageAdvisor(cold);
    started = performance.now();
    let advised = 0;
    for (const line of lines) {
      await advisor.advise(line.text, 'en', { intent: 'none', score: 0 });
      advised += 1;
    }
    const adviseMs = (performance.now() - started) / advised;

    const report = {
      languages: SHIPPED_LOCALES.length,
      utterances: lines.length,
      recognizeMicros: Math.round(recognizeMs * 1000 * 10) / 10,
      languageAdviceMicros: Math.round(adviseMs * 1000 * 10) / 10,
      trainAllColdMs: Math.round(coldMs),
      readAllFromCacheMs: Math.round(warmMs),
      trainingMsByLocale: cold.trainingMillisByLocale,
      modelsHeapMb: Math.round(heapModels * 10) / 10,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

void main();
