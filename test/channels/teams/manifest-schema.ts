import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';

/** Where @microsoft/app-manifest keeps Microsoft's published Teams manifest schemas, one folder per version. */
const SCHEMAS_DIR = path.join(path.dirname(require.resolve('@microsoft/app-manifest/package.json')), 'build', 'json-schemas', 'teams');

/** The released schema versions the package ships ("1.17" … "1.30"), oldest first; previews left out. */
export function officialSchemaVersions(): string[] {
  return readdirSync(SCHEMAS_DIR)
    .filter((name) => /^v1\.\d+$/.test(name))
    .map((name) => name.slice(1))
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
}

/**
 * What is wrong with a Teams manifest by the official schema of its own `manifestVersion` (draft-04, read from the
 * installed package: no download): one line per problem, empty when it is valid.
 */
export function validateAgainstOfficialSchema(manifest: Record<string, unknown>): string[] {
  const version = String(manifest.manifestVersion);
  const schema = JSON.parse(readFileSync(path.join(SCHEMAS_DIR, `v${version}`, 'MicrosoftTeams.schema.json'), 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}
