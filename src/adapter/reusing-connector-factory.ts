import { ConnectorClient, ConnectorFactory } from 'botframework-connector';
import { BoundedPromiseCache } from './bounded-promise-cache';

/**
 * A ConnectorFactory that hands out the client it made before for the same service URL and
 * audience, instead of building a new HTTP pipeline on every turn (what CloudAdapter does). A
 * client holds no conversation: only where it sends (the service URL) and the credentials it
 * signs with, which `identity` pins down (the factory's bot app id and kind) and which renew
 * their own tokens.
 */
export class ReusingConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly clients: BoundedPromiseCache<ConnectorClient>,
    private readonly identity: string,
  ) {
    super();
  }

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return this.clients.get(`${this.identity}\n${serviceUrl}\n${audience ?? ''}`, () => this.inner.create(serviceUrl, audience));
  }
}
