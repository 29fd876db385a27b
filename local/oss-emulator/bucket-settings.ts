/**
 * The bucket's CORS and lifecycle configurations (`/?cors`, `/?lifecycle`: Put, Get, Delete), as a deployer sets them
 * on an existing bucket. CORS rules put here are the ones preflights and answers then follow. Lifecycle rules are
 * kept and read back but never run (no time passes here): rules with ID, Prefix, Status, AbortMultipartUpload and
 * Expiration (Days or CreatedBeforeDate); any other element is refused with NotImplemented naming it, never ignored.
 * Each Put replaces the whole configuration, as OSS's does.
 */
import type { OperationContext, Reply } from './context';
import { xmlReply } from './context';
import type { CorsRule } from './cors';
import { OssError } from './errors';
import { unescapeXml } from './xml';

export interface LifecycleRule {
  id: string | undefined;
  prefix: string;
  status: 'Enabled' | 'Disabled';
  abortMultipartUpload: { days?: number; createdBeforeDate?: string } | undefined;
  expiration: { days?: number; createdBeforeDate?: string } | undefined;
}

export class BucketSettings {
  /** Undefined: CORS is not configured (every preflight is refused). */
  cors: readonly CorsRule[] | undefined;
  lifecycle: readonly LifecycleRule[] = [];

  constructor(cors: readonly CorsRule[] | undefined) {
    this.cors = cors;
  }
}

/** OSS's limits. */
const MAX_CORS_RULES = 10;
const MAX_LIFECYCLE_RULES = 1000;
const CORS_METHODS = ['GET', 'PUT', 'DELETE', 'POST', 'HEAD'];

const malformed = (detail: string): OssError =>
  new OssError(400, 'MalformedXML', `The XML you provided was not well-formed or did not validate against our published schema: ${detail}`);

/** The children of `content`, in order, as [name, raw inner text]; text outside elements is refused. */
function children(content: string, where: string): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  const pattern = /<([A-Za-z]+)>([\s\S]*?)<\/\1>/g;
  if (content.replace(pattern, '').trim() !== '') throw malformed(`unexpected content in ${where}`);
  for (const match of content.matchAll(pattern)) found.push([match[1]!, match[2]!]);
  return found;
}

function body(xml: string, root: string): string {
  const match = new RegExp(`^\\s*(?:<\\?xml[^>]*\\?>)?\\s*<${root}>([\\s\\S]*)</${root}>\\s*$`).exec(xml);
  if (match === null) throw malformed(`the root element must be <${root}>`);
  return match[1] ?? '';
}

export function parseCorsConfiguration(xml: string): CorsRule[] {
  const rules: CorsRule[] = [];
  for (const [name, inner] of children(body(xml, 'CORSConfiguration'), 'CORSConfiguration')) {
    if (name === 'ResponseVary') continue; // the Vary header is always sent here
    if (name !== 'CORSRule') throw malformed(`<${name}> in CORSConfiguration`);
    const rule: CorsRule = { allowedOrigins: [], allowedMethods: [], allowedHeaders: [], exposeHeaders: [] };
    for (const [field, raw] of children(inner, 'CORSRule')) {
      const value = unescapeXml(raw).trim();
      if (field === 'AllowedOrigin') rule.allowedOrigins.push(value);
      else if (field === 'AllowedMethod') rule.allowedMethods.push(value);
      else if (field === 'AllowedHeader') rule.allowedHeaders.push(value);
      else if (field === 'ExposeHeader') rule.exposeHeaders.push(value);
      else if (field === 'MaxAgeSeconds' && /^\d+$/.test(value)) rule.maxAgeSeconds = Number(value);
      else throw malformed(`<${field}> in CORSRule`);
    }
    if (rule.allowedOrigins.length === 0 || rule.allowedMethods.length === 0)
      throw malformed('a CORSRule needs AllowedOrigin and AllowedMethod');
    const unknown = rule.allowedMethods.find((method) => !CORS_METHODS.includes(method));
    if (unknown !== undefined)
      throw new OssError(400, 'InvalidArgument', `AllowedMethod ${unknown} is not one of ${CORS_METHODS.join(', ')}.`);
    rules.push(rule);
  }
  if (rules.length === 0 || rules.length > MAX_CORS_RULES) throw malformed(`1 to ${MAX_CORS_RULES} CORSRule elements are required`);
  return rules;
}

function dateOrDays(inner: string, where: string): { days?: number; createdBeforeDate?: string } {
  const result: { days?: number; createdBeforeDate?: string } = {};
  for (const [field, raw] of children(inner, where)) {
    const value = unescapeXml(raw).trim();
    if (field === 'Days' && /^[1-9]\d*$/.test(value)) result.days = Number(value);
    else if (field === 'CreatedBeforeDate') result.createdBeforeDate = value;
    else throw new OssError(501, 'NotImplemented', `<${field}> in ${where} is not emulated.`);
  }
  if (result.days === undefined && result.createdBeforeDate === undefined) throw malformed(`${where} needs Days or CreatedBeforeDate`);
  return result;
}

export function parseLifecycleConfiguration(xml: string): LifecycleRule[] {
  const rules: LifecycleRule[] = [];
  for (const [name, inner] of children(body(xml, 'LifecycleConfiguration'), 'LifecycleConfiguration')) {
    if (name !== 'Rule') throw malformed(`<${name}> in LifecycleConfiguration`);
    const rule: LifecycleRule = { id: undefined, prefix: '', status: 'Enabled', abortMultipartUpload: undefined, expiration: undefined };
    let status: string | undefined;
    for (const [field, raw] of children(inner, 'Rule')) {
      if (field === 'ID') rule.id = unescapeXml(raw);
      else if (field === 'Prefix') rule.prefix = unescapeXml(raw);
      else if (field === 'Status') status = raw.trim();
      else if (field === 'AbortMultipartUpload') rule.abortMultipartUpload = dateOrDays(raw, 'AbortMultipartUpload');
      else if (field === 'Expiration') rule.expiration = dateOrDays(raw, 'Expiration');
      else throw new OssError(501, 'NotImplemented', `Lifecycle rules with <${field}> are not emulated.`);
    }
    if (status !== 'Enabled' && status !== 'Disabled') throw malformed('a Rule needs Status Enabled or Disabled');
    rule.status = status;
    if (rule.abortMultipartUpload === undefined && rule.expiration === undefined) throw malformed('a Rule needs an action');
    if (rule.id !== undefined && rules.some((other) => other.id === rule.id)) throw malformed(`the rule ID ${rule.id} is used twice`);
    rules.push(rule);
  }
  if (rules.length === 0 || rules.length > MAX_LIFECYCLE_RULES) throw malformed(`1 to ${MAX_LIFECYCLE_RULES} rules are required`);
  return rules;
}

export function putBucketCors({ body: requestBody, bucketSettings }: OperationContext): Reply {
  bucketSettings.cors = parseCorsConfiguration(requestBody.toString('utf8'));
  return { status: 200, headers: {} };
}

export function getBucketCors({ bucketSettings }: OperationContext): Reply {
  const rules = bucketSettings.cors;
  if (rules === undefined || rules.length === 0)
    throw new OssError(404, 'NoSuchCORSConfiguration', 'The CORS configuration does not exist.');
  return xmlReply('CORSConfiguration', {
    CORSRule: rules.map((rule) => ({
      AllowedOrigin: rule.allowedOrigins,
      AllowedMethod: rule.allowedMethods,
      AllowedHeader: rule.allowedHeaders,
      ExposeHeader: rule.exposeHeaders,
      MaxAgeSeconds: rule.maxAgeSeconds,
    })),
    ResponseVary: true,
  });
}

export function deleteBucketCors({ bucketSettings }: OperationContext): Reply {
  bucketSettings.cors = undefined;
  return { status: 204, headers: {} };
}

export function putBucketLifecycle({ body: requestBody, bucketSettings }: OperationContext): Reply {
  bucketSettings.lifecycle = parseLifecycleConfiguration(requestBody.toString('utf8'));
  return { status: 200, headers: {} };
}

export function getBucketLifecycle({ bucketSettings }: OperationContext): Reply {
  if (bucketSettings.lifecycle.length === 0) throw new OssError(404, 'NoSuchLifecycle', 'No Row found in Lifecycle Table.');
  const when = (
    value: { days?: number; createdBeforeDate?: string } | undefined,
  ): { Days: number | undefined; CreatedBeforeDate: string | undefined } | undefined =>
    value === undefined ? undefined : { Days: value.days, CreatedBeforeDate: value.createdBeforeDate };
  return xmlReply('LifecycleConfiguration', {
    Rule: bucketSettings.lifecycle.map((rule) => ({
      ID: rule.id,
      Prefix: rule.prefix,
      Status: rule.status,
      Expiration: when(rule.expiration),
      AbortMultipartUpload: when(rule.abortMultipartUpload),
    })),
  });
}

export function deleteBucketLifecycle({ bucketSettings }: OperationContext): Reply {
  bucketSettings.lifecycle = [];
  return { status: 204, headers: {} };
}
