/**
 * The local stack's account: its bucket, its roles (one per function, named after it, plus the upload role) and
 * the owner's key. Apart from the dev server so that `npm run policies` can print the local policies without
 * bundling the server and the emulators.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploymentRoles } from '../deploy/policies';
import type { FunctionManifest } from '../functions/manifest';

export const LOCAL_ACCOUNT_ID = '1000000000000001';
export const LOCAL_BUCKET = 'local-uploads';
export const LOCAL_REGION = 'cn-hangzhou';
export const LOCAL_UPLOAD_ROLE = `acs:ram::${LOCAL_ACCOUNT_ID}:role/oss-upload`;

/** `fc-<function name>`. */
export function localFunctionRole(name: string): string {
  return `acs:ram::${LOCAL_ACCOUNT_ID}:role/fc-${name}`;
}

/** `oss-invoke-<function name>`: the role the OSS trigger assumes. */
export function localTriggerRole(name: string): string {
  return `acs:ram::${LOCAL_ACCOUNT_ID}:role/oss-invoke-${name}`;
}

/** The function as the local account names it (the name a deployment with the default DEPLOY_NAME gives it). */
export function localFunctionArn(name: string): string {
  return `acs:fc:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:functions/oss-upload-${name}`;
}

export function localRoles(functions: readonly Pick<FunctionManifest, 'name' | 'trigger'>[]): DeploymentRoles {
  return {
    uploadRoleArn: LOCAL_UPLOAD_ROLE,
    functionRoleArns: Object.fromEntries(functions.map(({ name }) => [name, localFunctionRole(name)])),
    triggerRoleArns: Object.fromEntries(
      functions.filter(({ trigger }) => trigger === 'oss').map(({ name }) => [name, localTriggerRole(name)]),
    ),
    functionArns: Object.fromEntries(functions.map(({ name }) => [name, localFunctionArn(name)])),
  };
}

/** The local account owner's key: it exists only in the emulators on loopback (smoke tests read back with it). */
export const LOCAL_ROOT_KEY = { accessKeyId: 'LTAI-local-root', accessKeySecret: 'local-root-secret-loopback-only' } as const;

/** What development tokens carry, and the functions of the embedded stack require, unless you give your own. */
export const LOCAL_DEV_ISSUER = 'urn:oss-direct-upload:local-stack';
export const LOCAL_DEV_AUDIENCE = 'oss-direct-upload';

/**
 * The embedded stack's configuration: the development secret given (kept with the stored objects) or a fresh one
 * each start, the local roles, the given origins.
 */
export function localEnv(origins: readonly string[], devSecret?: string): Record<string, string> {
  return {
    OSS_BUCKET: LOCAL_BUCKET,
    OSS_REGION: LOCAL_REGION,
    AUTH_JWT_SECRET: devSecret ?? randomBytes(32).toString('base64url'),
    STS_ROLE_ARN: LOCAL_UPLOAD_ROLE,
    ALLOWED_ORIGINS: origins.join(','),
  };
}

/**
 * With a data folder, the development secret is kept in it beside the objects: development tokens, and the handles of
 * unfinished multipart uploads (signed with a key derived from it), stay valid when the stack restarts on that folder.
 */
export function keptDevSecret(dataDir: string): string {
  const file = join(dataDir, 'dev-secret');
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{43}$/.test(kept)) return kept;
  }
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
