import { Activity, ConnectionStatus, DirectLine, DirectLineOptions } from 'botframework-directlinejs';
import { Observable } from 'rxjs/Observable';
import type { AjaxRequest, AjaxResponse } from 'rxjs/observable/dom/AjaxObservable';
import WebSocket from 'ws';

/*
 * botframework-directlinejs — what Web Chat uses — run in Node as the client of our endpoint.
 * It needs two browser things: XMLHttpRequest (for rxjs' ajax), replaced here by its `ajax`
 * service option built on fetch; and a global `WebSocket` (it checks `typeof WebSocket` before
 * using its `WebSocket` service), provided from `ws` for the duration of a suite.
 */

/** An error as rxjs' AjaxError looks to directlinejs: `status`, and `xhr.getResponseHeader` for 429's Retry-After. */
export class FetchAjaxError extends Error {
  constructor(
    readonly status: number,
    readonly response: unknown,
    readonly xhr: { getResponseHeader(name: string): string | null },
  ) {
    super(`ajax error ${status}`);
  }
}

/** Every Direct Line HTTP call the client made, for assertions on what it sent. */
export interface RecordedCall {
  readonly method: string;
  readonly url: string;
  readonly status: number;
}

function fetchAjax(calls: RecordedCall[]): (request: string | AjaxRequest) => Observable<AjaxResponse> {
  return (urlOrRequest) =>
    new Observable<AjaxResponse>((subscriber) => {
      const request: AjaxRequest = typeof urlOrRequest === 'string' ? { url: urlOrRequest } : urlOrRequest;
      const controller = new AbortController();
      const timer = request.timeout ? setTimeout(() => controller.abort(), request.timeout) : undefined;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers ?? {})) if (typeof value === 'string') headers[name] = value;
      const body = request.body === undefined || request.body === null ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      const method = request.method ?? 'GET';
      const url = request.url ?? '';
      fetch(url, { method, headers, body, signal: controller.signal })
        .then(async (response) => {
          const text = await response.text();
          let parsed: unknown = null;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            parsed = text;
          }
          calls.push({ method, url, status: response.status });
          const xhr = { getResponseHeader: (name: string) => response.headers.get(name) };
          if (response.status >= 200 && response.status < 300) {
            const result: AjaxResponse = { originalEvent: new Event('load'), xhr, request, status: response.status, response: parsed, responseText: text, responseType: 'json' };
            subscriber.next(result);
            subscriber.complete();
          } else {
            subscriber.error(new FetchAjaxError(response.status, parsed, xhr));
          }
        })
        .catch((err: unknown) => subscriber.error(new FetchAjaxError(0, String(err), { getResponseHeader: () => null })))
        .finally(() => clearTimeout(timer));
      return () => {
        clearTimeout(timer);
      };
    });
}

/** Makes `WebSocket` global (from `ws`) until the returned function is called. */
export function provideGlobalWebSocket(): () => void {
  const had = Reflect.has(globalThis, 'WebSocket');
  const previous: unknown = Reflect.get(globalThis, 'WebSocket');
  Reflect.set(globalThis, 'WebSocket', WebSocket);
  return () => {
    if (had) Reflect.set(globalThis, 'WebSocket', previous);
    else Reflect.deleteProperty(globalThis, 'WebSocket');
  };
}

export interface TestClient {
  readonly directLine: DirectLine;
  /** Every activity received, in order. */
  readonly received: Activity[];
  readonly calls: RecordedCall[];
  /** Posts and resolves with the id the endpoint gave. */
  post(activity: Activity): Promise<string>;
  /** Resolves once `predicate` holds over what was received (polls every 20 ms); `timeoutMs` only guards against a hang. */
  waitFor(predicate: (received: readonly Activity[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Ends the connection and stops the activity subscription (closes the WebSocket). */
  end(): void;
}

/** A DirectLine of `botframework-directlinejs` against our endpoint at `baseUrl`, subscribed to its activities. */
export function connectClient(baseUrl: string, options: DirectLineOptions): TestClient {
  const calls: RecordedCall[] = [];
  const directLine = new DirectLine({
    domain: `${baseUrl}/v3/directline`,
    pollingInterval: 200,
    ...options,
    ajax: Object.assign(fetchAjax(calls), {
      get: notUsed,
      post: notUsed,
      put: notUsed,
      patch: notUsed,
      delete: notUsed,
      getJSON: notUsed,
    }),
    // No WebSocket service: directlinejs then takes the global one (see provideGlobalWebSocket).
  });
  const received: Activity[] = [];
  const subscription = directLine.activity$.subscribe((activity) => received.push(activity));
  return {
    directLine,
    received,
    calls,
    post: (activity) =>
      new Promise<string>((resolve, reject) => {
        directLine.postActivity(activity).subscribe({ next: (id: unknown) => resolve(String(id)), error: reject });
      }),
    waitFor: async (predicate, what, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) {
          const status = ConnectionStatus[directLine.connectionStatus$.getValue()];
          throw new Error(`hang guard: no ${what} within ${timeoutMs} ms (normally well under a second); connection ${status}; received ${JSON.stringify(received.map((a) => [a.type, a.id, 'text' in a ? a.text : undefined]))}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    end: () => {
      subscription.unsubscribe();
      directLine.end();
    },
  };
}

function notUsed(): never {
  throw new Error('directlinejs called an ajax shortcut this test client does not provide');
}
