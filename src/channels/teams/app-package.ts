import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../errors/app-error';
import { PROJECT_ROOT } from '../../paths';
import { ZipFile } from 'yazl';

/** The Teams app folder: manifest template and icons. */
export const TEAMS_APP_DIR = path.join(PROJECT_ROOT, 'teams');

/** What a Teams app package holds, at the root of the zip. */
export const TEAMS_PACKAGE_FILES = ['manifest.json', 'color.png', 'outline.png'] as const;

/** Where `npm run teams:package` writes the package unless told otherwise (`--out`). */
export const DEFAULT_TEAMS_PACKAGE_PATH = path.join(PROJECT_ROOT, 'dist', 'teams-app.zip');

/** A placeholder in the manifest template: `${{Name}}`, filled from the environment variable `Name`. */
const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Placeholder values that must be GUIDs, with what they are. */
const GUID_VARIABLES: Readonly<Record<string, string>> = {
  MicrosoftAppId: "the bot's Microsoft App ID, shown on the Azure Bot resource's Configuration page",
};

/** The names of the placeholders in a manifest template, in order of first use. */
export function manifestPlaceholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1]))];
}

/**
 * The manifest with every `${{Name}}` replaced by the environment variable `Name`. Refuses, naming
 * the variables, when one is unset or empty, or when `MicrosoftAppId` is not a GUID (Teams
 * rejects such a package at upload with a less helpful message).
 */
export function renderManifest(template: string, env: Readonly<Record<string, string | undefined>>): string {
  const names = manifestPlaceholders(template);
  const missing = names.filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    const what = missing.map((name) => (GUID_VARIABLES[name] ? `${name} (${GUID_VARIABLES[name]})` : name)).join(', ');
    throw new AppError('PSB_CONFIG_INVALID', `set ${what} in the environment to build the Teams app package, e.g. MicrosoftAppId=<guid> npm run teams:package`, { field: missing[0] });
  }
  for (const name of names) {
    const value = env[name]?.trim() ?? '';
    if (GUID_VARIABLES[name] && !GUID.test(value)) {
      throw new AppError('PSB_CONFIG_INVALID', `${name} must be ${GUID_VARIABLES[name]}: a GUID such as 00000000-0000-0000-0000-000000000000`, { field: name });
    }
  }
  // Values go into JSON strings: escape them as JSON would.
  const rendered = template.replace(PLACEHOLDER, (_match, name: string) => JSON.stringify(env[name]?.trim() ?? '').slice(1, -1));
  const manifest = JSON.parse(rendered) as Record<string, unknown>;
  if (!env.TEAMS_SSO_CONNECTION?.trim()) return rendered;
  return `${JSON.stringify(withSingleSignOn(manifest, env), null, 2)}\n`;
}

/** A host name as Teams takes one in `validDomains` and an Application ID URI: no scheme, path, port or wildcard. */
const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/** Where Bot Service's sign-in page lives: the OAuthCard's fallback button opens it. */
const TOKEN_SERVICE_DOMAIN = 'token.botframework.com';

/**
 * The manifest for Teams SSO (TEAMS_SSO_CONNECTION set): `webApplicationInfo` names the bot's Entra
 * app (its id is the bot's MicrosoftAppId) and the Application ID URI Teams asks tokens for,
 * `api://<domain>/botid-<app id>` — the domain from TEAMS_SSO_DOMAIN, else the manifest's first valid
 * domain — and `validDomains` gains that domain and the token service's sign-in page.
 */
function withSingleSignOn(manifest: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const appId = env.MicrosoftAppId?.trim() ?? '';
  if (!GUID.test(appId)) {
    throw new AppError('PSB_CONFIG_INVALID', `Teams SSO (TEAMS_SSO_CONNECTION) needs MicrosoftAppId, ${GUID_VARIABLES.MicrosoftAppId}, as a GUID`, { field: 'MicrosoftAppId' });
  }
  const listed = Array.isArray(manifest.validDomains) ? manifest.validDomains.filter((domain): domain is string => typeof domain === 'string') : [];
  const domain = env.TEAMS_SSO_DOMAIN?.trim() || listed[0] || '';
  if (!HOST.test(domain)) {
    throw new AppError('PSB_CONFIG_INVALID', 'Teams SSO needs the domain of its Application ID URI (api://<domain>/botid-<app id>): set TEAMS_SSO_DOMAIN to a host name such as privacy-bot.example.com', { field: 'TEAMS_SSO_DOMAIN' });
  }
  return {
    ...manifest,
    validDomains: [...new Set([...listed, domain.toLowerCase(), TOKEN_SERVICE_DOMAIN])],
    webApplicationInfo: { id: appId, resource: `api://${domain.toLowerCase()}/botid-${appId}` },
  };
}

/** A regular file, rw-r--r--, as unzip tools restore it. */
const FILE_MODE = 0o100644;

/** A zip of a few small files, in the given order, through yazl (deflated, UTF-8 names). */
async function zipOf(files: readonly { name: string; data: Buffer }[]): Promise<Buffer> {
  const zip = new ZipFile();
  const parts: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    zip.on('error', reject);
    zip.outputStream.on('data', (chunk: Buffer) => parts.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(parts)));
  });
  const mtime = new Date();
  for (const file of files) zip.addBuffer(file.data, file.name, { mtime, mode: FILE_MODE });
  zip.end();
  return done;
}

/** The Teams app package (manifest filled from `env`, plus the icons) as zip bytes. */
export async function buildTeamsPackage(env: Readonly<Record<string, string | undefined>>, appDir = TEAMS_APP_DIR): Promise<Buffer> {
  const manifest = renderManifest(readFileSync(path.join(appDir, 'manifest.json'), 'utf8'), env);
  return zipOf(
    TEAMS_PACKAGE_FILES.map((name) => ({
      name,
      data: name === 'manifest.json' ? Buffer.from(manifest, 'utf8') : readFileSync(path.join(appDir, name)),
    })),
  );
}
