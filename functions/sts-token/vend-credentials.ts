/**
 * The `sts-token` use case: temporary credentials confined to the caller's prefix, from a cache shared by
 * the instance's requests. The answer builds an ali-oss client unchanged: `new OSS(answer)`; with
 * `?format=app-server` (GET or POST) it is the mobile SDKs' app-server shape (`app-server-format.ts`).
 */
import { createHash } from 'node:crypto';
import { signerCredentials } from '../../shared/alicloud/access-key';
import { CredentialCache, minimumRemainingMs, tokenBoundFor } from '../../shared/alicloud/credential-cache';
import { assumeRoleWithSdk, type AssumeRole, type VendedCredentials } from '../../shared/alicloud/sts-client';
import {
  composeSections,
  edgeSection,
  ossClientSection,
  signerSection,
  stsSection,
  uploadSection,
  type ConfigOf,
} from '../../shared/config/sections';
import type { AnswerFor } from '../../shared/contract';
import { badRequest, internalError } from '../../shared/edge/errors';
import type { FunctionDefinition } from '../../shared/edge/handler';
import { checkProfileAccess, profileOfRequest } from '../../shared/upload/profile-access';
import { ownField, uploadRulesFor, userPrefixOf } from '../../shared/upload/rules';
import { serialisePolicy, sessionPolicyFor } from '../../shared/upload/session-policy';
import { stsUploadPrefix } from '../../shared/upload/sts-folder';
import { usageRecordKey } from '../../shared/upload/usage-record';
import { appServerAnswer, appServerErrorBody, FORMAT_PARAMETER, requestedFormat } from './app-server-format';
import { assumeRolePace, type Pace } from './assume-role-pace';
import { checkVendQuota } from './vend-quota';

export const stsTokenConfig = composeSections(edgeSection, uploadSection, signerSection, stsSection, ossClientSection);
export type StsTokenConfig = ConfigOf<typeof stsTokenConfig>;

export const CACHE_MAX_ENTRIES = 1000;

/** `upload-<the user's keyed tag>`: 23 characters, the tag of the log lines, never the raw identity. */
export function roleSessionNameFor(userTag: string): string {
  return `upload-${userTag}`;
}

/** The query parameter naming the profile (a GET has no body to name it in). */
export const PROFILE_PARAMETER = 'profile';

/** The longest policy any user can produce with any profile that allows STS: the segment at its longest (`_h` + 64 hex digits). */
export function checkStsConfig(config: StsTokenConfig): string[] {
  return config.profiles.list
    .filter((profile) => profile.methods.includes('STS'))
    .flatMap((profile) => {
      const longest = uploadRulesFor({ userSegment: `_h${'f'.repeat(64)}` }, config, profile);
      const serialised = serialisePolicy(sessionPolicyFor(longest));
      return serialised.ok ? [] : [`${serialised.problem}; shorten OSS_BUCKET, UPLOAD_PREFIX or the profile's name (${profile.name})`];
    });
}

/** The profile a request names: `?profile=` or the body's `profile` (both only if they agree), else `default`. */
function requestedProfileName(body: unknown, query: Readonly<Record<string, string>>): Record<string, unknown> {
  const inQuery = query[PROFILE_PARAMETER];
  const inBody = ownField(body, 'profile');
  if (inQuery !== undefined && inBody !== undefined && inQuery !== inBody) {
    throw badRequest('InvalidProfile', "?profile= and the body's profile name different profiles: name one");
  }
  const named = inQuery ?? inBody;
  return named === undefined ? {} : { profile: named };
}

export function createStsTokenFunction(
  options: { assumeRole?: AssumeRole; clock?: () => Date; pace?: Pace } = {},
): FunctionDefinition<StsTokenConfig> {
  const assumeRole = options.assumeRole ?? assumeRoleWithSdk;
  const clock = options.clock ?? (() => new Date());
  // Per definition, i.e. per instance, like the cache: only real calls wait their turn, never cache hits.
  const pace = options.pace ?? assumeRolePace();
  let cache: CredentialCache<VendedCredentials> | undefined;

  return {
    name: 'sts-token',
    config: stsTokenConfig,
    checkConfig: checkStsConfig,
    // GET for the mobile SDKs' credential providers, which fetch their app server with a plain GET.
    methods: ['GET', 'POST'],
    query: [FORMAT_PARAMETER, PROFILE_PARAMETER],
    errorBody: appServerErrorBody,
    handle: async ({ identity, config, context, now, query, input }) => {
      // Before any STS call: a misspelt format or profile costs nothing.
      const format = requestedFormat(query);
      const profile = profileOfRequest(requestedProfileName(input, query), config.profiles, userPrefixOf(identity, config));
      checkProfileAccess(profile, 'STS', identity.claims);
      const sts = config.sts;
      cache ??= new CredentialCache({ maxEntries: CACHE_MAX_ENTRIES, minRemainingMs: minimumRemainingMs(sts.durationSeconds), clock });

      const rules = uploadRulesFor(identity, config, profile);
      const policy = serialisePolicy(sessionPolicyFor(rules));
      if (!policy.ok) throw internalError(policy.problem);
      const caller = signerCredentials(context, config.fallbackCredentials);
      // A user already at the profile's quota gets no credentials; what lands past it later, upload-completed removes.
      await checkVendQuota({ config, caller, rules, usageRecord: usageRecordKey(config.uploadPrefix, identity.userSegment, profile.name) });
      // Credentials do not outlive the caller's token by more than STS's 900 s minimum forces; what decides their
      // lifetime is part of the key, so that requests bound differently never evict each other's credentials.
      const { durationSeconds, bound, lifetimeClass } = tokenBoundFor(identity.expiresAt, now, sts.durationSeconds);
      const cacheKey = createHash('sha256').update(`${sts.roleArn}\n${policy.json}\n${lifetimeClass}`).digest('hex');

      const credentials = await cache.get(
        cacheKey,
        async () => {
          await pace();
          return assumeRole({
            endpoint: sts.endpoint,
            caller,
            roleArn: sts.roleArn,
            roleSessionName: roleSessionNameFor(identity.userTag),
            durationSeconds,
            policy: policy.json,
            timeoutMs: sts.timeoutMs,
          });
        },
        bound,
      );

      if (format === 'app-server') return { answer: appServerAnswer(credentials), logKey: stsUploadPrefix(rules.prefix) };

      const answer: AnswerFor<'STS'> = {
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
        // The STS folder, not the whole prefix: the only place these credentials may write.
        prefix: stsUploadPrefix(rules.prefix),
        profile: profile.name,
        maxBytes: rules.maxBytes,
        allowedContentTypes: rules.allowedContentTypes,
      };
      return { answer, logKey: answer.prefix };
    },
  };
}

export const stsTokenFunction = createStsTokenFunction();
