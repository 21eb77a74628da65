import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { manifestPlaceholders, renderManifest, TEAMS_APP_DIR, TEAMS_PACKAGE_FILES } from '../../../src/channels/teams/app-package';
import { isAppError } from '../../../src/errors/app-error';
import { PROJECT_ROOT } from '../../../src/paths';
import { DialogWorld, loadWorld } from '../../dialogs/dialog-harness';
import { readPng, readZip } from './package-readers';
import { officialSchemaVersions, validateAgainstOfficialSchema } from './manifest-schema';

const APP_ID = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';

interface Manifest {
  $schema: string;
  manifestVersion: string;
  version: string;
  id: string;
  developer: { name: string; websiteUrl: string; privacyUrl: string; termsOfUseUrl: string };
  name: { short: string; full?: string };
  description: { short: string; full: string };
  icons: { color: string; outline: string };
  accentColor: string;
  bots: { botId: string; scopes: string[]; commandLists?: { scopes: string[]; commands: { title: string; description: string }[] }[] }[];
  validDomains?: string[];
}

const template = (): string => readFileSync(path.join(TEAMS_APP_DIR, 'manifest.json'), 'utf8');

/** Minor version of a "1.x" string, for comparisons. */
function minor(version: string): number {
  const match = /^1\.(\d+)$/.exec(version);
  assert.ok(match, `"${version}" is a 1.x manifest version`);
  return Number(match[1]);
}

describe('Teams app package', () => {
  let manifest: Manifest;
  let world: DialogWorld;
  before(async () => {
    manifest = JSON.parse(template()) as Manifest;
    world = await loadWorld();
  });

  describe('teams/manifest.json', () => {
    it('is a schema 1.17+ manifest whose $schema matches its manifestVersion, with a semantic version', () => {
      assert.ok(minor(manifest.manifestVersion) >= 17, manifest.manifestVersion);
      assert.ok(manifest.$schema.includes(`/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`), manifest.$schema);
      assert.match(manifest.version, /^\d+\.\d+\.\d+$/);
    });

    it('is on the newest manifest schema the official schema package ships (previews aside)', () => {
      const versions = officialSchemaVersions();
      assert.equal(manifest.manifestVersion, versions[versions.length - 1], `shipped: ${versions.join(', ')}`);
    });

    it('validates against the official Teams schema of its manifestVersion once the ids are filled in', () => {
      const filled = JSON.parse(renderManifest(template(), { MicrosoftAppId: APP_ID })) as Record<string, unknown>;
      assert.deepEqual(validateAgainstOfficialSchema(filled), []);
    });

    it('the schema check refuses what Teams would refuse: an unknown property, a colour that is not #RRGGBB, no developer', () => {
      const filled = JSON.parse(renderManifest(template(), { MicrosoftAppId: APP_ID })) as Record<string, unknown>;
      const { developer: _developer, ...withoutDeveloper } = filled;
      assert.notDeepEqual(validateAgainstOfficialSchema({ ...filled, sidebar: true }), []);
      assert.notDeepEqual(validateAgainstOfficialSchema({ ...filled, accentColor: 'blue' }), []);
      assert.notDeepEqual(validateAgainstOfficialSchema(withoutDeveloper), []);
    });

    it('takes the app id and the bot id from the ${{MicrosoftAppId}} placeholder, and nothing else', () => {
      assert.equal(manifest.id, '${{MicrosoftAppId}}');
      assert.equal(manifest.bots.length, 1);
      assert.equal(manifest.bots[0].botId, '${{MicrosoftAppId}}');
      assert.deepEqual(manifestPlaceholders(template()), ['MicrosoftAppId']);
    });

    it('offers the bot in personal chat, teams and group chats', () => {
      assert.deepEqual([...manifest.bots[0].scopes].sort(), ['groupChat', 'personal', 'team']);
    });

    it('respects Teams field limits and names example.com for what a company must change', () => {
      assert.ok(manifest.name.short.length <= 30);
      assert.ok((manifest.name.full ?? '').length <= 100);
      assert.ok(manifest.description.short.length <= 80, `${manifest.description.short.length} characters`);
      assert.ok(manifest.description.full.length <= 4000);
      assert.match(manifest.accentColor, /^#[0-9A-Fa-f]{6}$/);
      for (const url of [manifest.developer.websiteUrl, manifest.developer.privacyUrl, manifest.developer.termsOfUseUrl]) {
        assert.equal(new URL(url).protocol, 'https:');
        assert.ok(new URL(url).hostname.endsWith('example.com'), url);
      }
      assert.ok((manifest.validDomains ?? []).length > 0);
      for (const domain of manifest.validDomains ?? []) assert.match(domain, /^[a-z0-9.-]+\.[a-z]{2,}$/, 'a host name, without scheme or path');
    });

    it('lists commands Teams can show, each one the bot understands when typed', () => {
      const commands = (manifest.bots[0].commandLists ?? []).flatMap((list) => list.commands);
      assert.ok(commands.length > 0);
      for (const command of commands) {
        assert.ok(command.title.length <= 32 && command.description.length <= 128, command.title);
        assert.ok(world.interruptions.match(command.title, 'en'), `"${command.title}" is a keyword of the bot`);
      }
    });

    it('has a 192×192 colour icon and a 32×32 outline icon, white on transparent', () => {
      assert.deepEqual([manifest.icons.color, manifest.icons.outline].sort(), ['color.png', 'outline.png']);
      const color = readPng(readFileSync(path.join(TEAMS_APP_DIR, manifest.icons.color)));
      assert.deepEqual([color.width, color.height], [192, 192]);
      const outline = readPng(readFileSync(path.join(TEAMS_APP_DIR, manifest.icons.outline)));
      assert.deepEqual([outline.width, outline.height], [32, 32]);
      const pixels = outline.rgba;
      assert.ok(pixels, `outline is 8-bit RGB(A) (colour type ${outline.colorType})`);
      let transparent = 0;
      let opaque = 0;
      for (let p = 0; p < pixels.length; p += 4) {
        const alpha = pixels[p + 3];
        if (alpha === 0) transparent += 1;
        else assert.deepEqual([...pixels.subarray(p, p + 3)], [255, 255, 255], `pixel ${p / 4} is white where it is not transparent`);
        if (alpha === 255) opaque += 1;
      }
      assert.ok(transparent > 0 && opaque > 0, 'the outline has a drawing and a transparent background');
    });
  });

  describe('renderManifest', () => {
    it('fills the ids in and leaves valid JSON', () => {
      const filled = JSON.parse(renderManifest(template(), { MicrosoftAppId: APP_ID })) as Manifest;
      assert.equal(filled.id, APP_ID);
      assert.equal(filled.bots[0].botId, APP_ID);
    });

    for (const [name, value] of [
      ['unset', undefined],
      ['empty', ''],
      ['not a GUID', 'my-bot'],
    ] as const) {
      it(`refuses a MicrosoftAppId that is ${name}, naming the variable`, () => {
        assert.throws(
          () => renderManifest(template(), { MicrosoftAppId: value }),
          (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.message.includes('MicrosoftAppId') && err.details.field === 'MicrosoftAppId',
        );
      });
    }

    it('without TEAMS_SSO_CONNECTION: no webApplicationInfo, validDomains as written', () => {
      const filled = JSON.parse(renderManifest(template(), { MicrosoftAppId: APP_ID })) as Manifest & { webApplicationInfo?: unknown };
      assert.equal(filled.webApplicationInfo, undefined);
      assert.deepEqual(filled.validDomains, manifest.validDomains);
    });

    it('with TEAMS_SSO_CONNECTION: webApplicationInfo names the bot’s Entra app and api://<domain>/botid-<app id>, validDomains gains the token service; still valid against the official schema', () => {
      const filled = JSON.parse(renderManifest(template(), { MicrosoftAppId: APP_ID, TEAMS_SSO_CONNECTION: 'TeamsSSO' })) as Manifest & { webApplicationInfo?: { id: string; resource: string } };
      const domain = manifest.validDomains?.[0];
      assert.deepEqual(filled.webApplicationInfo, { id: APP_ID, resource: `api://${domain}/botid-${APP_ID}` });
      assert.deepEqual(filled.validDomains, [domain, 'token.botframework.com']);
      assert.deepEqual(validateAgainstOfficialSchema(filled as unknown as Record<string, unknown>), []);

      const own = JSON.parse(renderManifest(template(), { MicrosoftAppId: APP_ID, TEAMS_SSO_CONNECTION: 'TeamsSSO', TEAMS_SSO_DOMAIN: 'Bot.Contoso.com' })) as Manifest & { webApplicationInfo?: { id: string; resource: string } };
      assert.equal(own.webApplicationInfo?.resource, `api://bot.contoso.com/botid-${APP_ID}`);
      assert.deepEqual(own.validDomains, [domain, 'bot.contoso.com', 'token.botframework.com']);
      assert.deepEqual(validateAgainstOfficialSchema(own as unknown as Record<string, unknown>), []);
    });

    it('with TEAMS_SSO_CONNECTION refuses a TEAMS_SSO_DOMAIN that is not a host name, naming it', () => {
      for (const bad of ['https://bot.contoso.com', 'bot.contoso.com/path', '*.contoso.com', 'localhost']) {
        assert.throws(
          () => renderManifest(template(), { MicrosoftAppId: APP_ID, TEAMS_SSO_CONNECTION: 'TeamsSSO', TEAMS_SSO_DOMAIN: bad }),
          (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.details.field === 'TEAMS_SSO_DOMAIN',
          bad,
        );
      }
    });
  });

  describe('npm run teams:package', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'teams-package-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    function runPackage(appId: string | undefined, out: string) {
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.MicrosoftAppId;
      if (appId !== undefined) env.MicrosoftAppId = appId;
      return spawnSync('npm', ['run', '--silent', 'teams:package', '--', '--out', out], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 60_000 });
    }

    it('writes a zip holding manifest.json (ids filled in) and both icons, at its root', () => {
      const out = path.join(dir, 'teams-app.zip');
      const run = runPackage(APP_ID, out);
      assert.equal(run.status, 0, run.stderr);
      const files = readZip(readFileSync(out));
      assert.deepEqual(
        files.map((file) => file.name),
        [...TEAMS_PACKAGE_FILES],
      );
      const inside = JSON.parse(files[0].data.toString('utf8')) as Manifest;
      assert.equal(inside.bots[0].botId, APP_ID);
      assert.ok(!files[0].data.toString('utf8').includes('${{'), 'no placeholder left');
      assert.deepEqual(files[1].data, readFileSync(path.join(TEAMS_APP_DIR, 'color.png')));
      assert.deepEqual(files[2].data, readFileSync(path.join(TEAMS_APP_DIR, 'outline.png')));
    });

    it('fails with a message naming MicrosoftAppId when it is unset, and writes nothing', () => {
      const out = path.join(dir, 'missing.zip');
      const run = runPackage(undefined, out);
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, /MicrosoftAppId/);
      assert.ok(!existsSync(out));
    });
  });
});
