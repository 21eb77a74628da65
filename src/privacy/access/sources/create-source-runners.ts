import type { Ledger } from '../../../ledger/ledger';
import type { DataSourceCatalog } from '../data-sources';
import { HttpSourceRunner } from './http-source';
import { LedgerSourceRunner } from './ledger-source';
import { PostgresSourceRunner } from './postgres-source';
import type { SourceRunner } from './source-runner';

export interface SourceRunnerDeps {
  readonly ledger: Ledger;
  /** This bot's own base URL (http://127.0.0.1:PORT once listening): the /dev/ demo is resolved against it. */
  readonly selfBaseUrl: () => string;
  /** Base of the results URL given to http sources on other hosts (e.g. PUBLIC_BASE_URL). */
  readonly resultsBaseUrl: () => string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** One runner per configured source, by source id, built once at start. */
export function createSourceRunners(catalog: DataSourceCatalog, deps: SourceRunnerDeps): ReadonlyMap<string, SourceRunner> {
  const runners = new Map<string, SourceRunner>();
  for (const source of catalog.sources) {
    const credentials = catalog.credentialsOf(source.id);
    switch (source.kind) {
      case 'ledger':
        runners.set(source.id, new LedgerSourceRunner(deps.ledger, deps.now));
        break;
      case 'postgres':
        runners.set(source.id, new PostgresSourceRunner({ source, connectionString: credentials.connectionString! }));
        break;
      case 'http':
        runners.set(source.id, new HttpSourceRunner({ source, secret: credentials.secret!, selfBaseUrl: deps.selfBaseUrl, resultsBaseUrl: deps.resultsBaseUrl, now: deps.now }));
        break;
    }
  }
  return runners;
}
