/** An FC role's temporary key, known to the OSS emulator and allowed exactly what a policy document says. */
import type { CredentialResolver } from '../../local/emulator-accounts';
import { evaluate, parsePolicyDocument } from '../../local/ram-policy';
import { registerIssued } from './log-capture';

export interface RoleKey {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

export function roleResolver(key: RoleKey, policy: object, fallback: CredentialResolver): CredentialResolver {
  registerIssued(key.accessKeySecret, key.securityToken);
  const parsed = parsePolicyDocument(JSON.stringify(policy));
  if (!parsed.ok) throw new Error(`bad role policy: ${parsed.message}`);
  return (accessKeyId, securityToken, now) => {
    if (accessKeyId !== key.accessKeyId) return fallback(accessKeyId, securityToken, now);
    if (securityToken !== key.securityToken)
      return { kind: 'error', code: 'InvalidSecurityToken', message: 'The security token is invalid.' };
    return {
      kind: 'found',
      accessKeySecret: key.accessKeySecret,
      isAllowed: (action, resource, context) => evaluate([parsed.policy], action, resource, context),
    };
  };
}
