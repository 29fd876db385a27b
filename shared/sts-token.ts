/**
 * The `sts-token` use case: temporary credentials confined to the caller's prefix, from a cache shared by
 * the instance's requests. The answer builds an ali-oss client unchanged: `new OSS(answer)`.
 */
import { createHash } from 'node:crypto';
import type { Config } from './config';
import { CredentialCache, minimumRemainingMs } from './credential-cache';
import { signerCredentials } from './credentials';
import { internalError } from './errors';
import type { FunctionDefinition, HandleInput } from './http';
import { userHash } from './identity';
import { uploadRulesFor } from './rules';
import { serialisePolicy, sessionPolicyFor } from './session-policy';
import { assumeRoleWithSdk, stsEndpointFor, type AssumeRole, type VendedCredentials } from './sts-client';

export interface StsTokenAnswer {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** ali-oss's name for the security token, so the answer is a client's options as it stands. */
  stsToken: string;
  expiration: string;
  /** The server's clock when answering: clients correct their refresh timing by it. */
  serverTime: string;
  bucket: string;
  /** ali-oss's form, `oss-<region>`. */
  region: string;
  endpoint: string;
  cname: true;
  secure: boolean;
  authorizationV4: true;
  prefix: string;
  maxBytes: number;
  allowedContentTypes: readonly string[];
}

export const CACHE_MAX_ENTRIES = 1000;

/** `upload-<hash of the user>`: 23 characters, traceable by recomputing the hash, never the raw identity. */
export function roleSessionNameFor(userSegment: string): string {
  return `upload-${userHash(userSegment)}`;
}

/** The longest policy any user can produce: the segment at its longest (`_h` + 64 hex digits). */
export function checkStsConfig(config: Config): string[] {
  const longest = uploadRulesFor({ subject: '', userSegment: `_h${'f'.repeat(64)}` }, config);
  const serialised = serialisePolicy(sessionPolicyFor(longest));
  return serialised.ok ? [] : [`${serialised.problem}; shorten OSS_BUCKET or UPLOAD_PREFIX`];
}

export function createStsTokenFunction(options: { assumeRole?: AssumeRole; clock?: () => Date } = {}): FunctionDefinition {
  const assumeRole = options.assumeRole ?? assumeRoleWithSdk;
  const clock = options.clock ?? (() => new Date());
  let cache: CredentialCache<VendedCredentials> | undefined;

  return {
    name: 'sts-token',
    requireSts: true,
    checkConfig: checkStsConfig,
    handle: async ({ identity, config, context, now }: HandleInput) => {
      const sts = config.sts;
      if (sts === undefined) throw internalError('STS_ROLE_ARN is not set');
      cache ??= new CredentialCache({ maxEntries: CACHE_MAX_ENTRIES, minRemainingMs: minimumRemainingMs(sts.durationSeconds), clock });

      const rules = uploadRulesFor(identity, config);
      const policy = serialisePolicy(sessionPolicyFor(rules));
      if (!policy.ok) throw internalError(policy.problem);
      const caller = signerCredentials(context, config.fallbackCredentials);
      const cacheKey = createHash('sha256').update(`${sts.roleArn}\n${policy.json}`).digest('hex');

      const credentials = await cache.get(cacheKey, () =>
        assumeRole({
          endpoint: stsEndpointFor(config.region, sts.endpoint),
          caller,
          roleArn: sts.roleArn,
          roleSessionName: roleSessionNameFor(identity.userSegment),
          durationSeconds: sts.durationSeconds,
          policy: policy.json,
          timeoutMs: sts.timeoutMs,
        }),
      );

      const answer: StsTokenAnswer = {
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        securityToken: credentials.securityToken,
        stsToken: credentials.securityToken,
        expiration: credentials.expiration.toISOString(),
        serverTime: now.toISOString(),
        bucket: rules.bucket,
        region: `oss-${rules.region}`,
        endpoint: rules.ossEndpoint,
        cname: true,
        secure: rules.ossEndpoint.startsWith('https:'),
        authorizationV4: true,
        prefix: rules.prefix,
        maxBytes: rules.maxBytes,
        allowedContentTypes: rules.allowedContentTypes,
      };
      return { body: answer, logKey: rules.prefix };
    },
  };
}

export const stsTokenFunction = createStsTokenFunction();
