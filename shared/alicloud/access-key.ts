/**
 * Alibaba Cloud access keys: the one type every caller of OSS or STS holds, and where a function's own key comes
 * from: FC's `context.credentials` (the function role's temporary keys), else the `ALIBABA_CLOUD_*` variables.
 */
import { internalError } from '../edge/errors';

/** Long-term keys have no security token; temporary (STS) keys always have one. */
export interface AccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string | undefined;
}

export interface SignerCredentials extends AccessKey {
  /** When known, nothing signed with these credentials may outlive this instant. */
  expiration: Date | undefined;
}

/** FC documents role credentials as valid for 36 hours and refreshes them; it does not pass their expiry. */
export function signerCredentials(context: unknown, fallback: AccessKey | undefined): SignerCredentials {
  const fromContext = credentialsFromContext(context);
  if (fromContext !== undefined) return fromContext;
  if (fallback !== undefined) return { ...fallback, expiration: undefined };
  throw internalError(
    'no signer credentials: give the function a role, or set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  );
}

function credentialsFromContext(context: unknown): SignerCredentials | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const credentials = (context as { credentials?: unknown }).credentials;
  if (typeof credentials !== 'object' || credentials === null) return undefined;
  const { accessKeyId, accessKeySecret, securityToken, expiration } = credentials as Record<string, unknown>;
  if (typeof accessKeyId !== 'string' || accessKeyId === '' || typeof accessKeySecret !== 'string' || accessKeySecret === '')
    return undefined;
  const expiry = typeof expiration === 'string' || typeof expiration === 'number' ? new Date(expiration) : undefined;
  return {
    accessKeyId,
    accessKeySecret,
    securityToken: typeof securityToken === 'string' && securityToken !== '' ? securityToken : undefined,
    expiration: expiry !== undefined && !Number.isNaN(expiry.getTime()) ? expiry : undefined,
  };
}

/** Seconds a signature may live: the configured TTL, cut so it never outlives the credentials. */
export function signatureLifetimeSeconds(ttlSeconds: number, credentials: SignerCredentials, now: Date): number {
  if (credentials.expiration === undefined) return ttlSeconds;
  const remaining = Math.floor((credentials.expiration.getTime() - now.getTime()) / 1000);
  if (remaining < 10) throw internalError('signer credentials expire in under 10 seconds');
  return Math.min(ttlSeconds, remaining);
}
