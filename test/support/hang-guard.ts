/**
 * Limits against a hang, never speed requirements (speed belongs in `npm run bench`). A test
 * waits for the event that proves what it checks; these only stop it waiting for ever when the
 * event never comes. Each limit is about ten times the event's normal time, so a loaded machine
 * (`scripts/busy-machine.sh`) does not trip it, and the failure says it is a hang guard.
 */

function hangMessage(what: string, limitMs: number): string {
  return `hang guard: ${what} did not happen within ${limitMs} ms (about ten times its normal time). This limit only catches a hang; it is not a speed requirement.`;
}

/** Resolves (or rejects) as `promise` does, or rejects with a hang-guard message after `limitMs`. */
export function hangGuard<T>(promise: Promise<T>, what: string, limitMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(hangMessage(what, limitMs))), limitMs);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

/**
 * Resolves once `condition` holds, checking it again every few milliseconds, for state that
 * announces no event of its own (a queue inside a client, a row in another connection). Fails
 * with a hang-guard message after `limitMs`.
 */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(hangMessage(what, limitMs));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
