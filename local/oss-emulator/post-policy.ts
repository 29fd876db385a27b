/**
 * PostObject (browser form upload) authentication: the base64 `policy` is what gets signed (V1: base64
 * HMAC-SHA1; V4: hex HMAC-SHA256 with the V4 signing key), and OSS then holds the form to every condition in it.
 * Pure functions of the parsed form, the bucket and the clock.
 */
import { sameSignature } from './canonical';
import { v1Sign } from './auth-v1';
import { V4_ALGORITHM, checkV4Scope, parseV4Credential, v4Sign } from './auth-v4';
import { signatureDoesNotMatch } from './auth';
import { OssError, accessDenied } from './errors';
import type { FormField } from './multipart-form';

export type PolicyCondition =
  | { kind: 'eq'; field: string; value: string; text: string }
  | { kind: 'starts-with'; field: string; prefix: string; text: string }
  | { kind: 'in' | 'not-in'; field: string; values: string[]; text: string }
  | { kind: 'content-length-range'; min: number; max: number; text: string };

export interface PostPolicy {
  expiration: Date;
  conditions: PolicyCondition[];
}

const invalidPolicy = (detail: string): OssError => new OssError(400, 'InvalidPolicyDocument', `Invalid Policy: ${detail}`);

/** `$Content-Type` → `content-type`: condition field names, like form field names, are case-insensitive. */
function fieldName(reference: unknown, text: string): string {
  if (typeof reference !== 'string' || !reference.startsWith('$') || reference.length < 2) {
    throw invalidPolicy(`the field of a condition must be a string starting with "$": ${text}`);
  }
  return reference.slice(1).toLowerCase();
}

function parseCondition(raw: unknown): PolicyCondition[] {
  const text = JSON.stringify(raw);
  if (Array.isArray(raw)) {
    const [operator, first, second] = raw as unknown[];
    const op = typeof operator === 'string' ? operator.toLowerCase() : undefined;
    if (op === 'content-length-range') {
      if (
        raw.length !== 3 ||
        !Number.isSafeInteger(first) ||
        !Number.isSafeInteger(second) ||
        (first as number) < 0 ||
        (first as number) > (second as number)
      ) {
        throw invalidPolicy(`content-length-range needs two integers 0 <= min <= max: ${text}`);
      }
      return [{ kind: 'content-length-range', min: first as number, max: second as number, text }];
    }
    if (raw.length !== 3) throw invalidPolicy(`a condition array has three elements: ${text}`);
    if (op === 'eq' || op === 'starts-with') {
      if (typeof second !== 'string') throw invalidPolicy(`the value of a condition must be a string: ${text}`);
      const field = fieldName(first, text);
      return [op === 'eq' ? { kind: 'eq', field, value: second, text } : { kind: 'starts-with', field, prefix: second, text }];
    }
    if (op === 'in' || op === 'not-in') {
      if (!Array.isArray(second) || !second.every((value) => typeof value === 'string')) {
        throw invalidPolicy(`"${op}" needs a list of strings: ${text}`);
      }
      return [{ kind: op, field: fieldName(first, text), values: second, text }];
    }
    throw invalidPolicy(`unknown condition operator: ${text}`);
  }
  if (raw !== null && typeof raw === 'object') {
    const entries = Object.entries(raw as Record<string, unknown>);
    if (entries.length === 0) throw invalidPolicy(`an empty condition: ${text}`);
    return entries.map(([name, value]) => {
      if (typeof value !== 'string') throw invalidPolicy(`the value of a condition must be a string: ${text}`);
      return { kind: 'eq', field: name.toLowerCase(), value, text: JSON.stringify({ [name]: value }) };
    });
  }
  throw invalidPolicy(`a condition must be an object or an array: ${text}`);
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

export function decodePostPolicy(policyBase64: string): PostPolicy {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(policyBase64)) throw invalidPolicy('the policy is not base64.');
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(policyBase64, 'base64').toString('utf8'));
  } catch {
    throw invalidPolicy('the policy is not JSON.');
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw invalidPolicy('the policy is not a JSON object.');
  const { expiration, conditions } = document as { expiration?: unknown; conditions?: unknown };
  if (typeof expiration !== 'string' || !ISO_UTC.test(expiration) || Number.isNaN(Date.parse(expiration))) {
    throw invalidPolicy('"expiration" must be an ISO 8601 UTC time such as 2030-01-01T00:00:00.000Z.');
  }
  if (!Array.isArray(conditions)) throw invalidPolicy('"conditions" must be a list.');
  return { expiration: new Date(expiration), conditions: conditions.flatMap(parseCondition) };
}

export interface PolicyCheckContext {
  fields: ReadonlyMap<string, FormField>;
  bucket: string;
  fileSize: number;
  now: Date;
  /** Also refuse form fields that no condition mentions (AWS's rule; OSS does not enforce it). */
  strict: boolean;
}

/** Fields that never need a condition: the signature itself, the policy and the file. */
const EXEMPT_FIELDS = new Set(['policy', 'signature', 'x-oss-signature', 'ossaccesskeyid', 'file']);

function conditionFailed(text: string): OssError {
  return accessDenied(`Invalid according to Policy: Policy Condition failed: ${text}`);
}

/** Throws the error OSS gives for the first condition the form does not meet. */
export function checkPostPolicy(policy: PostPolicy, context: PolicyCheckContext): void {
  if (context.now.getTime() > policy.expiration.getTime()) throw accessDenied('Invalid according to Policy: Policy expired.');
  const valueOf = (field: string): string => (field === 'bucket' ? context.bucket : (context.fields.get(field)?.value ?? ''));
  for (const condition of policy.conditions) {
    switch (condition.kind) {
      case 'eq':
        if (valueOf(condition.field) !== condition.value) throw conditionFailed(condition.text);
        break;
      case 'starts-with':
        if (!valueOf(condition.field).startsWith(condition.prefix)) throw conditionFailed(condition.text);
        break;
      case 'in':
        if (!condition.values.includes(valueOf(condition.field))) throw conditionFailed(condition.text);
        break;
      case 'not-in':
        if (condition.values.includes(valueOf(condition.field))) throw conditionFailed(condition.text);
        break;
      case 'content-length-range':
        if (context.fileSize > condition.max) {
          throw new OssError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.', {
            MaxSizeAllowed: String(condition.max),
            ProposedSize: String(context.fileSize),
          });
        }
        if (context.fileSize < condition.min) {
          throw new OssError(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size.', {
            MinSizeAllowed: String(condition.min),
            ProposedSize: String(context.fileSize),
          });
        }
        break;
    }
  }
  if (context.strict) {
    const mentioned = new Set(
      policy.conditions.flatMap((condition) => (condition.kind === 'content-length-range' ? [] : [condition.field])),
    );
    const extra = [...context.fields.keys()].filter(
      (name) => !EXEMPT_FIELDS.has(name) && !name.startsWith('x-ignore-') && !mentioned.has(name),
    );
    if (extra.length > 0) throw accessDenied(`Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);
  }
}

export interface PostAuthClaim {
  kind: 'signed';
  version: 'v1' | 'v4';
  accessKeyId: string;
  securityToken: string | undefined;
  policy: PostPolicy;
  verify(secret: string): void;
}

/** Fields the V4 policy must pin with an exact condition (the security token too, when one is sent). */
const V4_PINNED_FIELDS = ['x-oss-signature-version', 'x-oss-credential', 'x-oss-date'];

/**
 * Reads the signing fields of a PostObject form. Anonymous (no policy or no signature) is refused: the bucket
 * is private. Throws `InvalidPolicyDocument` for a policy that cannot be read.
 */
export function authenticatePost(fields: ReadonlyMap<string, FormField>, options: { region: string }): PostAuthClaim {
  const get = (name: string): string | undefined => fields.get(name)?.value;
  const policyBase64 = get('policy');
  const v4 = get('x-oss-signature-version') !== undefined || get('x-oss-signature') !== undefined;
  const v1 = get('ossaccesskeyid') !== undefined || get('signature') !== undefined;
  if (policyBase64 === undefined || (!v4 && !v1)) {
    throw accessDenied(
      'Anonymous PostObject is not allowed on this bucket: send policy and a signature (V4 x-oss-signature or V1 OSSAccessKeyId/Signature).',
    );
  }
  const policy = decodePostPolicy(policyBase64);
  const securityToken = get('x-oss-security-token');

  if (v4) {
    const version = get('x-oss-signature-version');
    const credentialText = get('x-oss-credential');
    const datetime = get('x-oss-date');
    const signature = get('x-oss-signature');
    if (version !== V4_ALGORITHM) throw new OssError(400, 'InvalidArgument', `x-oss-signature-version must be ${V4_ALGORITHM}.`);
    if (credentialText === undefined || datetime === undefined || signature === undefined) {
      throw new OssError(400, 'InvalidArgument', 'A V4 PostObject form needs x-oss-credential, x-oss-date and x-oss-signature.');
    }
    const credential = parseV4Credential(credentialText, 'x-oss-credential');
    checkV4Scope(credential, datetime, options.region, 'x-oss-credential');
    const pinned = new Set(policy.conditions.flatMap((condition) => (condition.kind === 'eq' ? [condition.field] : [])));
    const mustPin = securityToken === undefined ? V4_PINNED_FIELDS : [...V4_PINNED_FIELDS, 'x-oss-security-token'];
    const unpinned = mustPin.filter((name) => !pinned.has(name));
    if (unpinned.length > 0) throw invalidPolicy(`a V4 policy must pin ${unpinned.join(', ')} with exact conditions.`);
    return {
      kind: 'signed',
      version: 'v4',
      accessKeyId: credential.accessKeyId,
      securityToken,
      policy,
      verify(secret) {
        if (!sameSignature(v4Sign(secret, credential.date, options.region, policyBase64), signature.toLowerCase())) {
          throw signatureDoesNotMatch(credential.accessKeyId, signature, policyBase64);
        }
      },
    };
  }

  const accessKeyId = get('ossaccesskeyid');
  const signature = get('signature');
  if (accessKeyId === undefined || signature === undefined) {
    throw new OssError(400, 'InvalidArgument', 'A V1 PostObject form needs OSSAccessKeyId and Signature.');
  }
  return {
    kind: 'signed',
    version: 'v1',
    accessKeyId,
    securityToken,
    policy,
    verify(secret) {
      if (!sameSignature(v1Sign(secret, policyBase64), signature)) throw signatureDoesNotMatch(accessKeyId, signature, policyBase64);
    },
  };
}
