import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { Request, Response, Server } from 'restify';
import { createAdapter } from '../../src/adapter/create-adapter';
import { loadConfig } from '../../src/config/load-config';
import { AppError } from '../../src/errors/app-error';
import { createServer } from '../../src/server/create-server';
import { sendError } from '../../src/server/send-error';
import { HttpDrain } from '../../src/server/http-drain';
import { ServiceUrlPolicy } from '../../src/server/service-url-policy';
import { LogCapture } from '../support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface LogLine {
  level: string;
  msg: string;
  module?: string;
  errorId?: string;
  code?: string;
  status?: number;
  err?: { stack?: string };
}

describe('HTTP logging', () => {
  it("restify's own warning on a formatter error goes through the redacting logger: no header, cookie or token on stdout", async function () {
    this.timeout(60_000);
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, 'fixtures', 'formatter-error-server.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        const match = /PORT=(\d+)/.exec(stderr);
        if (match) resolve(Number(match[1]));
      });
      child.on('exit', (code) => reject(new Error(`the server exited (${code}) before listening: ${stderr}`)));
    });
    const secrets = { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJl', cookie: 'psb_agent=agent-session-0123456789abcdef' };
    const answer = await fetch(`http://127.0.0.1:${port}/unformattable?probe=1`, { headers: { ...secrets, accept: 'application/x-nothing-restify-writes' } });
    assert.equal(answer.status, 406, 'restify could not format the answer');
    await answer.text();
    const exited = once(child, 'exit');
    await (await fetch(`http://127.0.0.1:${port}/quit`, { method: 'POST' })).text();
    await exited;

    const lines = stdout.split('\n').filter(Boolean);
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `every stdout line is one of our JSON log lines: ${line}`);
    const warning = lines.map((line) => JSON.parse(line) as LogLine & { req?: Record<string, unknown> }).find((line) => line.msg === 'error retrieving formatter');
    assert.ok(warning, `restify's warning was logged through our logger: ${stdout}`);
    assert.equal(warning.module, 'restify');
    assert.deepEqual(warning.req, { method: 'GET', route: '/unformattable' }, 'the request is logged as method and route only');
    for (const forbidden of ['eyJhbGciOiJSUzI1NiJ9', 'agent-session-0123456789abcdef', 'psb_agent', 'Bearer', 'authorization', 'cookie', 'probe=1']) {
      assert.ok(!stdout.toLowerCase().includes(forbidden.toLowerCase()), `stdout must not contain "${forbidden}": ${stdout}`);
    }
  });

  describe('levels and error ids', () => {
    let server: Server;
    let baseUrl: string;
    const logs = new LogCapture();

    before(async () => {
      const options = loadConfig({ NODE_ENV: 'test' });
      server = createServer({
        adapter: createAdapter(options),
        runTurn: async () => undefined,
        readiness: [],
        bodyLimitBytes: options.bodyLimitBytes,
        logger: logs.logger,
        serviceUrls: new ServiceUrlPolicy(options),
        drain: new HttpDrain(() => false, logs.logger),
        extraRoutes: [
          (s: Server) => {
            s.get('/boom', async () => {
              throw new TypeError('a bug');
            });
            s.get('/store-down', async (_req: Request, res: Response) => {
              sendError(res, new AppError('PSB_STATE_UNAVAILABLE', 'the session store does not answer'), logs.logger);
            });
          },
        ],
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      const address = server.address();
      baseUrl = `http://127.0.0.1:${address.port}`;
    });
    after(() => server.close());

    function linesAfter(start: number): LogLine[] {
      return logs.lines.slice(start).map((line) => JSON.parse(line) as LogLine);
    }

    it('404 and 405 are logged at info, without a stack', async () => {
      const start = logs.lines.length;
      const notFound = await fetch(`${baseUrl}/no/such/route`);
      assert.equal(notFound.status, 404);
      assert.equal(((await notFound.json()) as { error: { code: string } }).error.code, 'PSB_NOT_FOUND');
      const notAllowed = await fetch(`${baseUrl}/api/messages`, { method: 'GET' });
      assert.equal(notAllowed.status, 405);
      assert.equal(((await notAllowed.json()) as { error: { code: string } }).error.code, 'PSB_METHOD_NOT_ALLOWED');
      const lines = linesAfter(start);
      assert.deepEqual(lines.map((line) => [line.level, line.code, line.status]), [
        ['info', 'PSB_NOT_FOUND', 404],
        ['info', 'PSB_METHOD_NOT_ALLOWED', 405],
      ]);
      assert.ok(lines.every((line) => line.err === undefined && !JSON.stringify(line).includes('    at ')), 'no stack');
    });

    it("HEAD /api/messages as Agents Playground probes it on every page load (wait-on's axios HEAD): a clean 405 with Allow: POST, nothing logged above debug", async () => {
      const start = logs.lines.length;
      // The headers wait-on's axios sends (the playground's connection check), and the playground's own client's.
      const probes: Record<string, string>[] = [
        { accept: 'application/json, text/plain, */*', 'user-agent': 'axios/1.7.9', 'accept-encoding': 'gzip, compress, deflate, br' },
        { 'content-type': 'application/json', accept: 'application/json, text/plain, */*', 'user-agent': 'axios/1.7.9' },
        {},
      ];
      for (const headers of probes) {
        const answer = await fetch(`${baseUrl}/api/messages`, { method: 'HEAD', headers });
        assert.equal(answer.status, 405);
        assert.equal(answer.headers.get('allow'), 'POST');
        assert.equal(await answer.text(), '');
      }
      const lines = linesAfter(start);
      assert.deepEqual(
        lines.filter((line) => line.level !== 'debug' && line.level !== 'trace'),
        [],
        'a probe is not worth an info line on every page load, let alone an error',
      );
      assert.ok(lines.every((line) => line.err === undefined && !JSON.stringify(line).includes('    at ')), 'no stack');
    });

    it('an unexpected error is logged at error level with an error id the client can quote', async () => {
      const start = logs.lines.length;
      const answer = await fetch(`${baseUrl}/boom`);
      assert.equal(answer.status, 500);
      const logged = linesAfter(start).filter((line) => line.level === 'error');
      assert.equal(logged.length, 1, JSON.stringify(linesAfter(start)));
      assert.match(logged[0].errorId ?? '', UUID);
    });

    it('our own 5xx (a store that does not answer) is logged at error level with an error id', async () => {
      const start = logs.lines.length;
      const answer = await fetch(`${baseUrl}/store-down`);
      assert.equal(answer.status, 503);
      const logged = linesAfter(start);
      assert.equal(logged.length, 1, JSON.stringify(logged));
      assert.equal(logged[0].level, 'error');
      assert.equal(logged[0].code, 'PSB_STATE_UNAVAILABLE');
      assert.match(logged[0].errorId ?? '', UUID);
    });
  });
});
