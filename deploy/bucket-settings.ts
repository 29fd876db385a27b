/**
 * The bucket settings no ROS resource applies to a bucket the stack did not create: its CORS rule and its lifecycle
 * rules (ROS sets both only through ALIYUN::OSS::Bucket, which creates the bucket). Applied after the stack, through
 * the OSS API with the deployer's key (deploy/entries/bucket-settings-plugin.ts), idempotently: each configuration
 * is read first, ours is merged in (the bucket's rules of its own are kept), and nothing is sent when ours is there.
 */
import { VERDICT_RECORD_DAYS } from '../shared/upload/verdict-record';
import {
  LIFECYCLE_RULE_ID,
  ABORT_MULTIPART_AFTER_DAYS,
  VERDICT_LIFECYCLE_RULE_ID,
  bucketCorsRule,
  type DeploymentConfig,
} from './policies';

export interface CorsRuleSetting {
  allowedOrigin: string[];
  allowedMethod: string[];
  allowedHeader: string[];
  exposeHeader: string[];
  maxAgeSeconds?: number;
}

/** A lifecycle rule as the SDK reads it; rules of the bucket's own are passed back as read. */
export interface LifecycleRuleSetting {
  id?: string;
  prefix: string;
  status: string;
  abortMultipartUpload?: { days?: number | string };
  expiration?: { days?: number | string };
  [other: string]: unknown;
}

/** What the action needs of an OSS client: read and replace the two configurations (none reads as []). */
export interface BucketSettingsClient {
  getCors(): Promise<CorsRuleSetting[]>;
  putCors(rules: CorsRuleSetting[]): Promise<void>;
  getLifecycle(): Promise<LifecycleRuleSetting[]>;
  putLifecycle(rules: LifecycleRuleSetting[]): Promise<void>;
}

/** OSS's limit on CORS rules per bucket. */
const MAX_CORS_RULES = 10;

export function desiredCorsRule(config: Pick<DeploymentConfig, 'allowedOrigins'>): CorsRuleSetting | undefined {
  const rule = bucketCorsRule(config);
  if (rule.allowedOrigins.length === 0) return undefined;
  return {
    allowedOrigin: rule.allowedOrigins,
    allowedMethod: rule.allowedMethods,
    allowedHeader: rule.allowedHeaders,
    exposeHeader: rule.exposeHeaders,
    maxAgeSeconds: rule.maxAgeSeconds,
  };
}

/** Ours: unfinished multipart uploads aborted, and upload-completed's verdict records deleted, after some days. */
export function desiredLifecycleRules(config: Pick<DeploymentConfig, 'uploadPrefix' | 'verdictPrefix'>): LifecycleRuleSetting[] {
  return [
    {
      id: LIFECYCLE_RULE_ID,
      prefix: config.uploadPrefix.before,
      status: 'Enabled',
      abortMultipartUpload: { days: ABORT_MULTIPART_AFTER_DAYS },
    },
    { id: VERDICT_LIFECYCLE_RULE_ID, prefix: config.verdictPrefix, status: 'Enabled', expiration: { days: VERDICT_RECORD_DAYS } },
  ];
}

const list = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : value === undefined || value === '' ? [] : [String(value)];
const sorted = (values: string[]): string => JSON.stringify([...values].sort());

/** The parts of a rule that make it ours, whatever its origins: our methods, headers and exposed headers. */
const shapeOf = (rule: CorsRuleSetting): string =>
  [sorted(list(rule.allowedMethod)), sorted(list(rule.allowedHeader)), sorted(list(rule.exposeHeader))].join('|');

function sameCors(a: CorsRuleSetting, b: CorsRuleSetting): boolean {
  return (
    shapeOf(a) === shapeOf(b) &&
    sorted(list(a.allowedOrigin)) === sorted(list(b.allowedOrigin)) &&
    Number(a.maxAgeSeconds ?? 0) === Number(b.maxAgeSeconds ?? 0)
  );
}

/**
 * The bucket's CORS rules with ours in first place (OSS applies the first rule that matches), an older version of
 * ours (same methods and headers, other origins) replaced, every other rule kept; undefined when nothing changes.
 */
export function mergeCors(existing: readonly CorsRuleSetting[], ours: CorsRuleSetting): CorsRuleSetting[] | undefined {
  if (existing.some((rule) => sameCors(rule, ours)) && sameCors(existing[0]!, ours)) return undefined;
  const others = existing.filter((rule) => shapeOf(rule) !== shapeOf(ours));
  const merged = [ours, ...others];
  if (merged.length > MAX_CORS_RULES)
    throw new Error(`the bucket has ${others.length} CORS rules of its own: OSS allows ${MAX_CORS_RULES} in all`);
  return merged;
}

const daysOf = (setting: { days?: number | string } | undefined): number | undefined =>
  setting?.days === undefined ? undefined : Number(setting.days);

/** Whether the bucket's rule is ours as it stands (the SDK reads numbers back as strings). */
function sameLifecycle(current: LifecycleRuleSetting, ours: LifecycleRuleSetting): boolean {
  return (
    current.prefix === ours.prefix &&
    current.status === ours.status &&
    daysOf(current.abortMultipartUpload) === daysOf(ours.abortMultipartUpload) &&
    daysOf(current.expiration) === daysOf(ours.expiration)
  );
}

/** The bucket's lifecycle rules with ours (by their IDs) in place; undefined when they are there already. */
export function mergeLifecycle(
  existing: readonly LifecycleRuleSetting[],
  ours: readonly LifecycleRuleSetting[],
): LifecycleRuleSetting[] | undefined {
  const inPlace = ours.every((rule) => {
    const current = existing.find((candidate) => candidate.id === rule.id);
    return current !== undefined && sameLifecycle(current, rule);
  });
  if (inPlace) return undefined;
  const ids = new Set(ours.map((rule) => rule.id));
  return [...existing.filter((rule) => !ids.has(rule.id)), ...ours];
}

/** Applies both settings; answers what it changed, one line each (empty: everything was in place). */
export async function applyBucketSettings(
  client: BucketSettingsClient,
  config: Pick<DeploymentConfig, 'allowedOrigins' | 'uploadPrefix' | 'verdictPrefix'>,
): Promise<string[]> {
  const changes: string[] = [];
  const cors = desiredCorsRule(config);
  if (cors !== undefined) {
    const merged = mergeCors(await client.getCors(), cors);
    if (merged !== undefined) {
      await client.putCors(merged);
      changes.push(`CORS: rule for ${cors.allowedOrigin.join(', ')} set (${merged.length - 1} rule(s) of the bucket's own kept)`);
    }
  }
  const lifecycle = desiredLifecycleRules(config);
  const mergedLifecycle = mergeLifecycle(await client.getLifecycle(), lifecycle);
  if (mergedLifecycle !== undefined) {
    await client.putLifecycle(mergedLifecycle);
    const ids = lifecycle.map((rule) => rule.id ?? '').join(' and ');
    changes.push(`lifecycle: rules ${ids} set (${mergedLifecycle.length - lifecycle.length} rule(s) of the bucket's own kept)`);
  }
  return changes;
}
