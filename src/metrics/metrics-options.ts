import { Env, invalid, read, readInt } from '../config/env-readers';

/** The shortest METRICS_TOKEN accepted: as long as the webhook secrets. */
export const MIN_METRICS_TOKEN_LENGTH = 32;

/** Where `GET /metrics` (Prometheus text) is served, and who may read it. */
export interface MetricsOptions {
  /**
   * A port of its own for `/metrics` (0: any free port, for tests); the main port then has no
   * `/metrics`. Env `METRICS_PORT`. @default undefined (no port of its own)
   */
  readonly port: number | undefined;
  /** Interface of that port. Env `METRICS_HOST`. @default '127.0.0.1' (this machine only) */
  readonly host: string;
  /**
   * `Authorization: Bearer <token>` a scraper must send: required on the main port, and on the
   * metrics port too when set. Env `METRICS_TOKEN`. @default '' (none)
   */
  readonly token: string;
}

export const DEFAULT_METRICS_OPTIONS: MetricsOptions = Object.freeze({ port: undefined, host: '127.0.0.1', token: '' });

/**
 * How `/metrics` is exposed: on its own port (METRICS_PORT), on the main port behind the token
 * (METRICS_TOKEN alone), or not at all (neither: the route answers 404 like any unknown path).
 */
export type MetricsExposure = 'own-port' | 'main-port' | 'off';

export function metricsExposure(options: MetricsOptions): MetricsExposure {
  if (options.port !== undefined) return 'own-port';
  return options.token === '' ? 'off' : 'main-port';
}

/** METRICS_PORT, METRICS_HOST and METRICS_TOKEN; `mainPort` is PORT, which the metrics port must differ from. */
export function readMetricsOptions(env: Env, mainPort: number): MetricsOptions {
  const d = DEFAULT_METRICS_OPTIONS;
  const port = read(env, 'METRICS_PORT') === undefined ? undefined : readInt(env, 'METRICS_PORT', 0, 0, 65535);
  if (port !== undefined && port !== 0 && port === mainPort) throw invalid('METRICS_PORT', 'a port other than PORT (or unset, to serve /metrics on PORT behind METRICS_TOKEN)', String(port));
  const token = read(env, 'METRICS_TOKEN') ?? d.token;
  // Never echo the token: its length says enough.
  if (token !== '' && (token.length < MIN_METRICS_TOKEN_LENGTH || /\s/.test(token))) {
    throw invalid('METRICS_TOKEN', `at least ${MIN_METRICS_TOKEN_LENGTH} characters without spaces (e.g. \`openssl rand -hex 32\`)`, `<${token.length} characters>`);
  }
  return Object.freeze({ port, host: read(env, 'METRICS_HOST') ?? d.host, token });
}
