import { AppError } from '../errors/app-error';

/** The process environment, or a test's stand-in. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The one shape of a configuration error: which variable, what it must be, what it was. */
export function invalid(variable: string, expected: string, got: string): AppError {
  return new AppError('PSB_CONFIG_INVALID', `${variable} must be ${expected} (got "${got}")`, { variable });
}

/** A variable's trimmed value; undefined when unset or blank. */
export function read(env: Env, variable: string): string | undefined {
  const raw = env[variable];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

/** A whole number within [min, max]; `fallback` when unset. */
export function readInt(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const raw = read(env, variable);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw invalid(variable, `an integer from ${min} to ${max}`, raw);
  return value;
}

/** true/1 or false/0; `fallback` when unset. */
export function readBool(env: Env, variable: string, fallback: boolean): boolean {
  const raw = read(env, variable)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw invalid(variable, 'true or false', raw);
}

/** A finite number within [min, max]; `fallback` when unset. */
export function readNumber(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const raw = read(env, variable);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw invalid(variable, `a number from ${min} to ${max}`, raw);
  return value;
}

/** One of `allowed`; `fallback` when unset. */
export function readEnum<T extends string>(env: Env, variable: string, fallback: T, allowed: readonly T[]): T {
  const raw = read(env, variable);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw invalid(variable, `one of ${allowed.join(', ')}`, raw);
  return raw as T;
}
