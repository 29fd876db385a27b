/**
 * Credentials this emulator issued, and the resolver that lets the OSS emulator (or this STS emulator,
 * for role chaining) recognise them. Tokens are random and looked up, not parsed: an altered token is
 * simply unknown, so there is nothing to forge. Secrets and tokens never leave this module except in
 * the AssumeRole answer itself.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { CredentialResolver } from '../emulator-accounts';
import { evaluate, type PolicyDocument } from '../ram-policy';
import { safeEqual } from './signature';

export interface Session {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  expiration: Date;
  /** The role policy, then the session policy when one was given: every one must allow. */
  policies: readonly PolicyDocument[];
  /** `arn:sts::<account>:assumed-role/<role name>/<session name>`, as a bucket policy names the session. */
  principal: string;
}

/** Expired sessions are kept this long so that they answer SecurityTokenExpired rather than "unknown key". */
const KEEP_EXPIRED_MS = 24 * 60 * 60 * 1000;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  issue(policies: readonly PolicyDocument[], expiration: Date, now: Date, principal: string): Session {
    this.prune(now);
    const session: Session = {
      accessKeyId: `STS.${randomText(28)}`,
      accessKeySecret: randomText(44),
      securityToken: randomToken(),
      expiration,
      policies,
      principal,
    };
    this.sessions.set(session.accessKeyId, session);
    return session;
  }

  resolver(): CredentialResolver {
    return (accessKeyId, securityToken, now) => {
      const session = this.sessions.get(accessKeyId);
      if (session === undefined) {
        return { kind: 'error', code: 'InvalidAccessKeyId', message: 'The OSS Access Key Id you provided does not exist in our records.' };
      }
      if (securityToken === undefined || !safeEqual(securityToken, session.securityToken)) {
        return { kind: 'error', code: 'InvalidSecurityToken', message: 'The security token you provided is invalid.' };
      }
      if (now.getTime() >= session.expiration.getTime()) {
        return { kind: 'error', code: 'SecurityTokenExpired', message: 'The security token you provided has expired.' };
      }
      const policies = session.policies;
      return {
        kind: 'found',
        accessKeySecret: session.accessKeySecret,
        principal: session.principal,
        isAllowed: (action, resource, context) => evaluate(policies, action, resource, context),
      };
    };
  }

  private prune(now: Date): void {
    for (const [id, session] of this.sessions) {
      if (now.getTime() - session.expiration.getTime() > KEEP_EXPIRED_MS) this.sessions.delete(id);
    }
  }
}

function randomText(length: number): string {
  let text = '';
  for (let i = 0; i < length; i += 1) text += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return text;
}

/**
 * Shaped like a real token: "CAIS" + long base64. It always contains "+", "/" and "=", so any client that
 * forgets to encode the token in a URL, form or header breaks here rather than in the cloud.
 */
function randomToken(): string {
  const body = randomBytes(190).toString('base64'); // 256 characters ending in "=="
  return `CAIS${body.slice(0, 40)}+${body.slice(41, 80)}/${body.slice(81)}`;
}

/** `2015-04-09T11:52:19Z`: whole seconds, as STS writes Expiration. */
export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
