/**
 * The contract between the local emulators: the OSS emulator asks a resolver who an access key is,
 * the STS emulator (or a static account list) answers. Nothing here is deployed.
 */

/** What a verified caller may do: `isAllowed` is asked once per request, after the signature checks out. */
export interface FoundCredential {
  kind: 'found';
  accessKeySecret: string;
  /**
   * Who is calling, as a bucket policy's Principal names it (an STS session: `arn:sts::<account>:assumed-role/<role>/<session>`;
   * the account owner: its account id); what an overwrite rule's Principals match.
   */
  principal?: string;
  /** `action` like `oss:PutObject`; `resource` like `acs:oss:*:*:bucket/key` or `acs:oss:*:*:bucket`. */
  isAllowed(action: string, resource: string, context: Readonly<Record<string, string>>): boolean;
}

export interface CredentialError {
  kind: 'error';
  /** OSS error codes, as OSS sends them. */
  code: 'InvalidAccessKeyId' | 'SecurityTokenExpired' | 'InvalidSecurityToken' | 'AccessDenied';
  message: string;
}

export type CredentialLookup = FoundCredential | CredentialError;

/** `securityToken` is undefined for long-term keys. */
export type CredentialResolver = (accessKeyId: string, securityToken: string | undefined, now: Date) => CredentialLookup;

export interface StaticAccount {
  accessKeyId: string;
  accessKeySecret: string;
  /** The account id, when the account is its owner's. */
  principal?: string;
}

/** Long-term keys of the account owner: every action allowed, no security token accepted. */
export function staticAccounts(accounts: readonly StaticAccount[]): CredentialResolver {
  const byId = new Map(accounts.map((account) => [account.accessKeyId, account]));
  return (accessKeyId, securityToken) => {
    const account = byId.get(accessKeyId);
    if (account === undefined) {
      return { kind: 'error', code: 'InvalidAccessKeyId', message: 'The OSS Access Key Id you provided does not exist in our records.' };
    }
    if (securityToken !== undefined) {
      return { kind: 'error', code: 'InvalidSecurityToken', message: 'A security token was sent with long-term credentials.' };
    }
    return {
      kind: 'found',
      accessKeySecret: account.accessKeySecret,
      ...(account.principal === undefined ? {} : { principal: account.principal }),
      isAllowed: () => true,
    };
  };
}

/** Tries each resolver in turn; the first one that knows the key answers. */
export function firstKnown(...resolvers: CredentialResolver[]): CredentialResolver {
  return (accessKeyId, securityToken, now) => {
    let last: CredentialLookup = {
      kind: 'error',
      code: 'InvalidAccessKeyId',
      message: 'The OSS Access Key Id you provided does not exist in our records.',
    };
    for (const resolve of resolvers) {
      last = resolve(accessKeyId, securityToken, now);
      if (last.kind === 'found' || last.code !== 'InvalidAccessKeyId') return last;
    }
    return last;
  };
}
