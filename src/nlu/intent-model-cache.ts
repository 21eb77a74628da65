import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { IntentModelData } from './linear-intent-model';

/**
 * Bumped whenever features or training change: a model trained by older code is never read back.
 * The corpus alone does not decide the model.
 */
export const MODEL_FORMAT = 'linear-intent-model/1';

/** The cache key of a language's model: the format, the language and its training utterances. */
export function corpusHash(language: string, examples: readonly { readonly text: string; readonly intent: string }[]): string {
  const hash = createHash('sha256').update(`${MODEL_FORMAT}\n${language}\n`);
  for (const { intent, text } of examples) hash.update(`${intent}\t${text}\n`);
  return hash.digest('hex').slice(0, 32);
}

interface CachedHeader {
  readonly format: string;
  readonly language: string;
  readonly intents: readonly string[];
  readonly features: readonly string[];
}

/**
 * Trained intent models on disk, one file per language and corpus hash: a start-up with an
 * unchanged corpus reads the model instead of training it. A file that is missing, unreadable or
 * of another format is a miss, never an error: the model is then trained and written again.
 * Files are written whole and renamed into place, so concurrent starts never read half a file.
 */
export class IntentModelCache {
  constructor(private readonly dir: string) {}

  private file(hash: string, language: string): string {
    return path.join(this.dir, `${language}-${hash}.model`);
  }

  read(hash: string, language: string): IntentModelData | undefined {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.file(hash, language));
    } catch {
      return undefined;
    }
    try {
      const headerLength = bytes.readUInt32LE(0);
      const header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8')) as CachedHeader;
      if (header.format !== MODEL_FORMAT || header.language !== language) return undefined;
      const classes = header.intents.length;
      const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 4 + headerLength, bytes.byteOffset + bytes.length));
      if (floats.length !== header.features.length * classes + classes) return undefined;
      return {
        language,
        intents: header.intents,
        features: header.features,
        weights: floats.subarray(0, header.features.length * classes),
        bias: floats.subarray(header.features.length * classes),
      };
    } catch {
      return undefined;
    }
  }

  /** Models of older corpora of the language are never read again. */
  private pruneOlder(language: string, current: string): void {
    for (const name of readdirSync(this.dir)) {
      if (name !== current && name.startsWith(`${language}-`) && name.endsWith('.model')) unlinkSync(path.join(this.dir, name));
    }
  }

  /** Best effort: a read-only disk costs training time at the next start, nothing else. */
  write(hash: string, data: IntentModelData): boolean {
    try {
      mkdirSync(this.dir, { recursive: true });
      const header = Buffer.from(JSON.stringify({ format: MODEL_FORMAT, language: data.language, intents: data.intents, features: data.features } satisfies CachedHeader), 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32LE(header.length, 0);
      const floats = new Float32Array(data.weights.length + data.bias.length);
      floats.set(data.weights, 0);
      floats.set(data.bias, data.weights.length);
      const target = this.file(hash, data.language);
      const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
      writeFileSync(temporary, Buffer.concat([length, header, Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength)]));
      renameSync(temporary, target);
      this.pruneOlder(data.language, path.basename(target));
      return true;
    } catch {
      return false;
    }
  }
}
