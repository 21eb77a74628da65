import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Activity } from 'botbuilder';
import type { TokenExchangeRequest, TokenResponse } from 'botframework-schema';
import type { SignInUrlResponse } from 'botframework-connector';
import type { TeamsUserTokens } from '../../../src/channels/teams/teams-sso';
import type { TeamsPerson } from './teams-activities';

/** The OAuth connection name the tests configure (TEAMS_SSO_CONNECTION). */
export const SSO_CONNECTION = 'TeamsSSO';

/** The bot's Entra app and the Application ID URI Teams asks a token for (manifest `webApplicationInfo.resource`). */
export const SSO_APP_ID = '00000000-0000-0000-0000-0000000000b0';
export const SSO_RESOURCE = `api://privacy-bot.example.com/botid-${SSO_APP_ID}`;

type InvokeName = 'signin-token-exchange' | 'signin-verify-state';

/**
 * A Teams sign-in invoke as Teams posted it (recorded/, ids and the token masked), re-addressed to
 * this test's person, conversation and connector; `value` merged over the recorded one.
 */
export function recordedInvoke(name: InvokeName, to: { from: TeamsPerson; conversationId: string; serviceUrl: string; conversationType?: string }, value: Record<string, unknown> = {}): Partial<Activity> {
  const recorded = JSON.parse(readFileSync(path.join(__dirname, 'recorded', `${name}.json`), 'utf8')) as Partial<Activity> & { value: Record<string, unknown> };
  return {
    ...recorded,
    id: `${recorded.id ?? 'f:invoke'}-${Math.random().toString(36).slice(2, 10)}`,
    timestamp: new Date(),
    serviceUrl: to.serviceUrl,
    from: { id: to.from.id, name: to.from.name, aadObjectId: to.from.aadObjectId },
    conversation: { ...recorded.conversation, id: to.conversationId, conversationType: to.conversationType ?? 'personal', isGroup: (to.conversationType ?? 'personal') !== 'personal' } as Activity['conversation'],
    value: { ...recorded.value, ...value },
  };
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A token as the token service hands one back (claims only; the bot reads, not checks, them). */
export function entraToken(oid: string): string {
  return `${base64url({ alg: 'RS256', typ: 'JWT', kid: 'test' })}.${base64url({ aud: SSO_RESOURCE, oid, tid: '72f988bf-86f1-41af-91ab-2d7cd011db47', scp: 'access_as_user', ver: '2.0' })}.c2lnbmF0dXJl`;
}

/**
 * Bot Service's token service, faked: exchanges a Teams SSO token it was told about for the
 * account's token, redeems a magic code it was told about, refuses everything else (as the real
 * one does, with an error), and records each call (without tokens) for the tests to read.
 */
export class FakeUserTokens implements TeamsUserTokens {
  readonly calls: { op: string; userId?: string; connectionName: string; channelId?: string }[] = [];
  private readonly exchangeable = new Map<string, string>();
  private readonly codes = new Map<string, string>();
  private signInFails = false;

  /** `ssoToken` (what Teams sends in the invoke), sent by `userId`, exchanges for a token naming `oid`. */
  allowExchange(ssoToken: string, userId: string, oid: string): void {
    this.exchangeable.set(`${userId}|${ssoToken}`, oid);
  }

  allowMagicCode(code: string, userId: string, oid: string): void {
    this.codes.set(`${userId}|${code}`, oid);
  }

  failSignInResource(): void {
    this.signInFails = true;
  }

  async getSignInResource(connectionName: string, _activity: Activity, _finalRedirect: string): Promise<SignInUrlResponse> {
    this.calls.push({ op: 'getSignInResource', connectionName });
    if (this.signInFails) throw new Error('token service unavailable');
    return {
      signInLink: 'https://token.botframework.com/api/oauth/signin?signin=0a1b2c3d4e5f',
      tokenExchangeResource: { id: 'a1c3e2f0-5b7d-4e21-9c3a-8d6f4b2e1a07', uri: SSO_RESOURCE, providerId: '30dd229c-58e3-4a48-bdfd-91ec48eb906c' },
      tokenPostResource: { sasUrl: 'https://token.botframework.com/api/tokenpost?sas=0a1b' },
    } as SignInUrlResponse;
  }

  async exchangeToken(userId: string, connectionName: string, channelId: string, request: TokenExchangeRequest): Promise<TokenResponse> {
    this.calls.push({ op: 'exchangeToken', userId, connectionName, channelId });
    const oid = this.exchangeable.get(`${userId}|${request.token ?? ''}`);
    if (!oid) throw Object.assign(new Error('Token exchange failed'), { statusCode: 400 });
    return { channelId, connectionName, token: entraToken(oid), expiration: new Date(Date.now() + 3_600_000).toISOString() };
  }

  async getUserToken(userId: string, connectionName: string, channelId: string, magicCode: string): Promise<TokenResponse> {
    this.calls.push({ op: 'getUserToken', userId, connectionName, channelId });
    const oid = this.codes.get(`${userId}|${magicCode}`);
    return (oid ? { channelId, connectionName, token: entraToken(oid), expiration: new Date(Date.now() + 3_600_000).toISOString() } : undefined) as TokenResponse;
  }
}
