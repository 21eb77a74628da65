import net from 'node:net';

/**
 * A TCP proxy in front of a shared server (PostgreSQL) whose link a test can cut: `cut()` drops
 * every connection through it and refuses new ones, so the app behind it sees an outage while
 * the shared server, and every other test's connections, keep running.
 */
export class CuttableTcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private cutOff = false;

  private constructor(private readonly server: net.Server, readonly port: number) {}

  static async start(targetHost: string, targetPort: number): Promise<CuttableTcpProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const proxy = new CuttableTcpProxy(server, typeof address === 'object' && address ? address.port : 0);
    server.on('connection', (client) => proxy.relay(client, targetHost, targetPort));
    return proxy;
  }

  /** Drops every open connection and refuses new ones (they are reset at once). */
  cut(): void {
    this.cutOff = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket, host: string, port: number): void {
    if (this.cutOff) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(port, host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
