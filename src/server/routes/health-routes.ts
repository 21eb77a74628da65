import type { Request, Response } from 'restify';
import { ReadinessCheck } from '../readiness';

/** `GET /healthz`: the process is alive and serving HTTP. */
export function healthRoute() {
  return async (_req: Request, res: Response): Promise<void> => {
    res.send(200, { status: 'ok' });
  };
}

/**
 * `GET /readyz`: every backend answers; otherwise 503 naming the one that does not. From the
 * moment a shutdown begins (`draining`), 503 `shutting down` without asking the backends, so a
 * load balancer stops sending work at once.
 */
export function readinessRoute(checks: readonly ReadinessCheck[], draining: () => boolean = () => false) {
  return async (_req: Request, res: Response): Promise<void> => {
    if (draining()) {
      res.send(503, { status: 'shutting down', down: [], checks: {} });
      return;
    }
    const results = await Promise.all(checks.map(async (check) => ({ check, ready: await check.isReady() })));
    const body: Record<string, { backend: string; status: 'up' | 'down' }> = {};
    for (const { check, ready } of results) body[check.name] = { backend: check.backend, status: ready ? 'up' : 'down' };
    const down = results.filter((r) => !r.ready).map((r) => r.check.name);
    res.send(down.length === 0 ? 200 : 503, { status: down.length === 0 ? 'ready' : 'unavailable', down, checks: body });
  };
}
