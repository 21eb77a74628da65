import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root (where package.json is), whether running from src/ via tsx or from dist/. */
function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'locales'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the project root (package.json with locales/) above ${start}`);
    dir = parent;
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
export const LOCALES_DIR = path.join(PROJECT_ROOT, 'locales');
