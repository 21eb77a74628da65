import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where the installed `botframework-webchat` keeps its browser bundle, and which version it is. */
export interface WebChatBundle {
  readonly version: string;
  /** `dist/webchat.js`: the full bundle (Adaptive Cards, Markdown), no CDN involved. */
  readonly file: string;
}

/**
 * Finds the package through Node's own resolution (it may be hoisted anywhere above us). The
 * package's `exports` hide `package.json` and `dist/`, so we walk up from its entry point.
 */
export function locateWebChatBundle(resolve: (id: string) => string = require.resolve): WebChatBundle {
  let dir = path.dirname(resolve('botframework-webchat'));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'botframework-webchat' && pkg.version) {
        const file = path.join(dir, 'dist', 'webchat.js');
        if (!existsSync(file)) throw new Error(`botframework-webchat ${pkg.version} has no dist/webchat.js at ${file}; reinstall it with npm ci`);
        return { version: pkg.version, file };
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the botframework-webchat package; run npm ci');
    dir = parent;
  }
}
