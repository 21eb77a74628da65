/**
 * A failure's kind for a row and the logs — its registry or system code ("PSB_CONTACT_UNREACHABLE",
 * "ECONNREFUSED"), else its class name — never a message, which might quote records or addresses.
 */
export function errorKind(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string') return (err as { code: string }).code;
  return err instanceof Error ? err.name : 'unknown error';
}
