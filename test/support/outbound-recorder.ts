import dns from 'node:dns';
import net from 'node:net';

/** One TCP connection this process began: to a host and port, or to a local (Unix) socket path. */
export interface ConnectionAttempt {
  readonly host?: string;
  readonly port?: number;
  readonly path?: string;
}

export interface OutboundRecorder {
  /** Every connection begun since start, in order. */
  readonly attempts: readonly ConnectionAttempt[];
  /** Every host name this process asked DNS for (through dns.lookup, as http, https and net do). */
  readonly lookups: readonly string[];
  /** Puts net and dns back as they were. Safe to call twice. */
  stop(): void;
}

type ConnectArgs = Parameters<net.Socket['connect']>;

/** The target of a `net.Socket#connect` call, whichever of its forms was used. */
function targetOf(args: readonly unknown[]): ConnectionAttempt {
  // net.connect() passes its arguments already normalised, as [options, callback].
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: unknown; port?: unknown; path?: unknown };
    if (typeof options.path === 'string') return { path: options.path };
    return { host: typeof options.host === 'string' ? options.host : 'localhost', port: Number(options.port) };
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(first) };
  }
  return typeof first === 'string' ? { path: first } : {};
}

/**
 * Records every outbound connection attempt of this process — every client in Node (http, https,
 * fetch/undici, ws, pg, ioredis) opens its TCP connection through `net.Socket#connect` — and every
 * `dns.lookup`, by wrapping both until `stop()`. Nothing is blocked: what a test then checks is
 * where the process tried to go.
 */
export function recordOutbound(): OutboundRecorder {
  const attempts: ConnectionAttempt[] = [];
  const lookups: string[] = [];
  const connect = net.Socket.prototype.connect;
  const lookup = dns.lookup;
  const lookupPromise = dns.promises.lookup;

  net.Socket.prototype.connect = function recordedConnect(this: net.Socket, ...args: ConnectArgs): net.Socket {
    attempts.push(targetOf(args));
    return Reflect.apply(connect, this, args) as net.Socket;
  } as net.Socket['connect'];
  const recordedLookup = (...args: Parameters<typeof dns.lookup>): void => {
    lookups.push(String(args[0]));
    Reflect.apply(lookup, dns, args);
  };
  Reflect.set(dns, 'lookup', recordedLookup);
  Reflect.set(dns.promises, 'lookup', (...args: Parameters<typeof dns.promises.lookup>) => {
    lookups.push(String(args[0]));
    return Reflect.apply(lookupPromise, dns.promises, args) as ReturnType<typeof dns.promises.lookup>;
  });

  let stopped = false;
  return {
    attempts,
    lookups,
    stop() {
      if (stopped) return;
      stopped = true;
      net.Socket.prototype.connect = connect;
      Reflect.set(dns, 'lookup', lookup);
      Reflect.set(dns.promises, 'lookup', lookupPromise);
    },
  };
}

/** True for this machine's own addresses: 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`. */
export function isLoopback(host: string | undefined): boolean {
  if (host === undefined) return false;
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}
