/**
 * A minimal SMTP server that keeps nothing: it accepts every message on 127.0.0.1 and hands it, decoded, to
 * its listener (bench/surge.ts reads each customer's one-time code from it). Enough of RFC 5321 for nodemailer
 * and any plain client: EHLO/HELO, MAIL FROM, RCPT TO, DATA (dot-unstuffed), RSET, NOOP, QUIT; anything else is
 * "502 not implemented". It offers no STARTTLS and no AUTH, so nodemailer's `smtp://` (STARTTLS only when offered)
 * talks plain SMTP to it — loopback only, never for real mail.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';

/** A message as received: the envelope, the headers (names lower-cased, unfolded) and the decoded text. */
export interface CapturedMail {
  readonly from: string;
  /** RCPT TO addresses, lower-cased, in order. */
  readonly to: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  /** The body after its Content-Transfer-Encoding (7bit, 8bit, quoted-printable or base64) is undone, UTF-8. */
  readonly text: string;
}

/** Largest message accepted, bytes (a one-time code mail is about 1 KB). */
const MAX_MESSAGE_BYTES = 1024 * 1024; // 1 MiB
/** Longest command line accepted, bytes (RFC 5321: 512). */
const MAX_LINE_BYTES = 4096;

/** What one connection has said so far. */
interface Session {
  greeted: boolean;
  from?: string;
  to: string[];
  /** In DATA: the lines so far. */
  data?: string[];
  dataBytes: number;
}

export class SmtpSink {
  /** Messages accepted since start. */
  received = 0;
  /** Connections accepted since start. */
  connections = 0;
  private readonly events = new EventEmitter();
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly server: net.Server) {
    this.events.setMaxListeners(0);
  }

  /** Listens on 127.0.0.1, on a free port. */
  static async start(): Promise<SmtpSink> {
    const server = net.createServer();
    const sink = new SmtpSink(server);
    server.on('connection', (socket) => sink.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return sink;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** nodemailer's URL for it: EMAIL_TRANSPORT. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Calls `listener` with every message accepted from now on. */
  onMail(listener: (mail: CapturedMail) => void): void {
    this.events.on('mail', listener);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: net.Socket): void {
    this.connections += 1;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setEncoding('latin1'); // bytes as they came; the body is decoded as UTF-8 once whole
    const session: Session = { greeted: false, to: [], dataBytes: 0 };
    const reply = (line: string): void => {
      if (!socket.destroyed) socket.write(`${line}\r\n`);
    };
    reply('220 smtp-sink ESMTP ready');
    let pending = '';
    socket.on('data', (chunk: string) => {
      pending += chunk;
      for (let end = pending.indexOf('\r\n'); end >= 0; end = pending.indexOf('\r\n')) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (session.data) this.dataLine(session, line, reply);
        else if (this.command(session, line, reply) === 'quit') {
          socket.end();
          return;
        }
      }
      if (!session.data && pending.length > MAX_LINE_BYTES) {
        reply('500 line too long');
        socket.end();
      }
    });
  }

  /** One command line; 'quit' when the connection is to end. */
  private command(session: Session, line: string, reply: (line: string) => void): 'quit' | undefined {
    const verb = line.slice(0, 4).toUpperCase();
    const argument = line.slice(4).trim();
    switch (verb) {
      case 'EHLO':
        Object.assign(session, { greeted: true, from: undefined, to: [] });
        reply('250-smtp-sink greets you');
        reply('250 8BITMIME');
        return undefined;
      case 'HELO':
        Object.assign(session, { greeted: true, from: undefined, to: [] });
        reply('250 smtp-sink');
        return undefined;
      case 'MAIL': {
        const address = /^FROM:\s*<([^>]*)>/i.exec(argument);
        if (!session.greeted) reply('503 say EHLO first');
        else if (!address) reply('501 syntax: MAIL FROM:<address>');
        else {
          session.from = address[1];
          session.to = [];
          reply('250 sender ok');
        }
        return undefined;
      }
      case 'RCPT': {
        const address = /^TO:\s*<([^>]+)>/i.exec(argument);
        if (session.from === undefined) reply('503 MAIL first');
        else if (!address) reply('501 syntax: RCPT TO:<address>');
        else {
          session.to.push(address[1].toLowerCase());
          reply('250 recipient ok');
        }
        return undefined;
      }
      case 'DATA':
        if (session.to.length === 0) reply('503 RCPT first');
        else {
          session.data = [];
          session.dataBytes = 0;
          reply('354 end data with <CR><LF>.<CR><LF>');
        }
        return undefined;
      case 'RSET':
        Object.assign(session, { from: undefined, to: [], data: undefined });
        reply('250 reset');
        return undefined;
      case 'NOOP':
        reply('250 ok');
        return undefined;
      case 'QUIT':
        reply('221 bye');
        return 'quit';
      default:
        reply('502 command not implemented');
        return undefined;
    }
  }

  private dataLine(session: Session, line: string, reply: (line: string) => void): void {
    const data = session.data ?? [];
    if (line === '.') {
      const mail = { from: session.from ?? '', to: session.to, raw: data.join('\r\n') };
      Object.assign(session, { from: undefined, to: [], data: undefined });
      if (session.dataBytes > MAX_MESSAGE_BYTES) {
        reply('552 message too big');
        return;
      }
      this.received += 1;
      reply('250 queued');
      this.events.emit('mail', parseMail(mail.from, mail.to, mail.raw));
      return;
    }
    session.dataBytes += line.length + 2;
    if (session.dataBytes <= MAX_MESSAGE_BYTES) data.push(line.startsWith('.') ? line.slice(1) : line);
  }
}

/** Headers (unfolded, names lower-cased) and the body decoded; `raw` is the message as latin1 bytes. */
function parseMail(from: string, to: readonly string[], raw: string): CapturedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = split >= 0 ? raw.slice(0, split) : raw;
  const body = split >= 0 ? raw.slice(split + 4) : '';
  const headers: Record<string, string> = {};
  for (const field of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = field.indexOf(':');
    if (colon > 0) headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim();
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  let bytes: Buffer;
  if (encoding === 'base64') bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else if (encoding === 'quoted-printable') bytes = Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  else bytes = Buffer.from(body, 'latin1');
  return { from, to, headers, text: bytes.toString('utf8') };
}
