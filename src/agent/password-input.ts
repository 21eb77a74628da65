/** Standard input as the password prompt needs it (a TTY or a pipe). */
export interface PasswordSource extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** Why no password could be read; the CLI reports it as wrong usage. */
export class PasswordInputError extends Error {}

/** Longest password read, characters: far above any passphrase, and no unbounded buffering. */
const MAX_PASSWORD_CHARS = 1024;

/**
 * Reads a new password from standard input, never echoing it. From a terminal: prompts on
 * `prompt` (stderr) with echo off, twice, and the two must match. From a pipe or file
 * (`printf '%s\n' "$PW" | npm run ledger -- agent add …`): the first line, without its line end.
 */
export async function readNewPassword(input: PasswordSource = process.stdin, prompt: NodeJS.WritableStream = process.stderr): Promise<string> {
  if (input.isTTY && typeof input.setRawMode === 'function') {
    const first = await readHidden(input, prompt, 'password: ');
    const second = await readHidden(input, prompt, 'repeat the password: ');
    if (first !== second) throw new PasswordInputError('the two passwords differ; nothing was changed');
    return first;
  }
  const text = await readAll(input);
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  if (line === '') throw new PasswordInputError('no password on standard input (pipe it in, one line, or run in a terminal to be asked)');
  return line;
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    size += buffer.length;
    // A password is one short line: stop reading long before a huge input fills memory.
    if (size > MAX_PASSWORD_CHARS * 4 + 2) throw new PasswordInputError(`the password is longer than ${MAX_PASSWORD_CHARS} characters`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One line typed with echo off (raw mode): Enter ends it, Backspace erases, Ctrl-C or Ctrl-D cancels. */
function readHidden(input: PasswordSource, prompt: NodeJS.WritableStream, label: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = '';
    prompt.write(label);
    input.setRawMode?.(true);
    input.resume();
    const finish = (error?: Error): void => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      prompt.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || char === '\u0004') return finish(new PasswordInputError('cancelled; nothing was changed'));
        if (char === '\u007f' || char === '\b') typed = Array.from(typed).slice(0, -1).join('');
        else if (char >= ' ') typed += char;
        if (typed.length > MAX_PASSWORD_CHARS) return finish(new PasswordInputError(`the password is longer than ${MAX_PASSWORD_CHARS} characters`));
      }
    };
    input.on('data', onData);
  });
}
