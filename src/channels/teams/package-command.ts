import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isAppError } from '../../errors/app-error';
import { DEFAULT_TEAMS_PACKAGE_PATH, TEAMS_PACKAGE_FILES, buildTeamsPackage } from './app-package';

/**
 * `npm run teams:package [-- --out <file.zip>]`: writes the Teams app package (default
 * `dist/teams-app.zip`) with the bot id from `MicrosoftAppId`. Resolves to the exit code.
 */
export async function runTeamsPackageCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, out = process.stdout, err = process.stderr): Promise<number> {
  const outIndex = argv.indexOf('--out');
  if (outIndex >= 0 && !argv[outIndex + 1]) {
    err.write('teams:package: --out needs a file name, e.g. --out dist/teams-app.zip\n');
    return 64;
  }
  const target = path.resolve(outIndex >= 0 ? argv[outIndex + 1] : DEFAULT_TEAMS_PACKAGE_PATH);
  let zip: Buffer;
  try {
    zip = await buildTeamsPackage(env);
  } catch (error) {
    if (isAppError(error)) {
      err.write(`teams:package: ${error.message}\n`);
      return 78;
    }
    if (error instanceof SyntaxError) {
      err.write(`teams:package: teams/manifest.json is not valid JSON once filled in: ${error.message}\n`);
      return 78;
    }
    throw error;
  }
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, zip);
  out.write(`teams:package: wrote ${path.relative(process.cwd(), target) || target} (${TEAMS_PACKAGE_FILES.join(', ')}); upload it in Teams → Apps → Manage your apps → Upload an app\n`);
  return 0;
}

if (require.main === module) {
  void runTeamsPackageCommand(process.argv.slice(2), process.env).then((code) => {
    process.exitCode = code;
  });
}
