/**
 * Who is calling, and did they sign this exact request? Checks run in the gateway's order: the envelope
 * (action, version, signature fields), the clock, the caller's key, the signature, then the nonce — so a
 * forged request never burns a legitimate caller's nonce.
 */
import type { CredentialResolver, FoundCredential } from '../emulator-accounts';
import { StsError, stsErrors } from './errors';
import { headerValue, type StsHttpRequest } from './request';
import {
  acs3CanonicalRequest,
  acs3Signature,
  parseAcs3Authorization,
  requiredSignedHeaders,
  rpcSignature,
  rpcStringToSign,
  safeEqual,
  sha256Hex,
  type Acs3Authorization,
} from './signature';

export const API_VERSION = '2015-04-01';
/** POP accepts a Timestamp up to 15 minutes away from its clock, either way. */
export const CLOCK_SKEW_MS = 15 * 60 * 1000;

/** What a request claims before anything is verified. */
export interface Envelope {
  kind: 'rpc' | 'acs3';
  action: string | undefined;
  version: string | undefined;
  accessKeyId: string | undefined;
  securityToken: string | undefined;
  timestamp: string | undefined;
  nonce: string | undefined;
  acs3: Acs3Authorization | undefined;
}

export function readEnvelope(request: StsHttpRequest): Envelope {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization !== undefined) {
    const acs3 = parseAcs3Authorization(authorization);
    const header = (name: string) => headerValue(request.headers, name);
    return {
      kind: 'acs3',
      action: header('x-acs-action') ?? request.params.get('Action'),
      version: header('x-acs-version') ?? request.params.get('Version'),
      accessKeyId: acs3.accessKeyId,
      securityToken: header('x-acs-security-token'),
      timestamp: header('x-acs-date'),
      nonce: header('x-acs-signature-nonce'),
      acs3,
    };
  }
  const param = (name: string) => request.params.get(name);
  return {
    kind: 'rpc',
    action: param('Action'),
    version: param('Version'),
    accessKeyId: param('AccessKeyId'),
    securityToken: param('SecurityToken'),
    timestamp: param('Timestamp'),
    nonce: param('SignatureNonce'),
    acs3: undefined,
  };
}

export interface NonceCache {
  /** False when `key` was already seen within the window; records it otherwise. */
  remember(key: string, now: Date): boolean;
}

/** Nonces are kept for twice the clock window: an older request fails the timestamp check anyway. */
export function createNonceCache(): NonceCache {
  const seen = new Map<string, number>();
  return {
    remember(key, now) {
      const nowMs = now.getTime();
      // Insertion order is arrival order, so expired entries sit at the front.
      for (const [oldKey, at] of seen) {
        if (nowMs - at <= 2 * CLOCK_SKEW_MS) break;
        seen.delete(oldKey);
      }
      if (seen.has(key)) return false;
      seen.set(key, nowMs);
      return true;
    },
  };
}

export interface AuthenticationDeps {
  callers: CredentialResolver;
  nonces: NonceCache;
  now: Date;
}

export function authenticate(request: StsHttpRequest, envelope: Envelope, deps: AuthenticationDeps): FoundCredential {
  const accessKeyId = required(envelope.accessKeyId, 'AccessKeyId');
  const timestamp = required(envelope.timestamp, envelope.kind === 'rpc' ? 'Timestamp' : 'Date');
  const nonce = required(envelope.nonce, 'SignatureNonce');
  checkTimestamp(timestamp, deps.now);

  const caller = resolveCaller(deps.callers, accessKeyId, envelope.securityToken, deps.now);
  const valid =
    envelope.kind === 'rpc' || envelope.acs3 === undefined
      ? verifyRpc(request, caller.accessKeySecret)
      : verifyAcs3(request, envelope.acs3, caller.accessKeySecret);
  if (!valid) throw stsErrors.signatureMismatch();

  if (!deps.nonces.remember(`${accessKeyId}\n${nonce}`, deps.now)) throw stsErrors.nonceUsed();
  return caller;
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw stsErrors.missingParameter(name);
  return value;
}

function checkTimestamp(timestamp: string, now: Date): void {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(timestamp)) throw stsErrors.timestampFormat();
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) throw stsErrors.timestampFormat();
  if (Math.abs(now.getTime() - at) > CLOCK_SKEW_MS) throw stsErrors.timestampExpired();
}

function resolveCaller(callers: CredentialResolver, accessKeyId: string, securityToken: string | undefined, now: Date): FoundCredential {
  const found = callers(accessKeyId, securityToken, now);
  if (found.kind === 'found') return found;
  switch (found.code) {
    case 'InvalidAccessKeyId':
      throw stsErrors.accessKeyNotFound();
    case 'SecurityTokenExpired':
      throw stsErrors.securityTokenExpired();
    case 'InvalidSecurityToken':
      throw securityToken === undefined ? stsErrors.missingSecurityToken() : stsErrors.securityTokenMalformed();
    case 'AccessDenied':
      throw stsErrors.noPermission();
  }
}

function verifyRpc(request: StsHttpRequest, secret: string): boolean {
  const params = request.params;
  const signature = required(params.get('Signature'), 'Signature');
  if (params.get('SignatureMethod') !== 'HMAC-SHA1') {
    throw new StsError(400, 'InvalidSignatureMethod', 'Specified signature method is not supported; use HMAC-SHA1.'); // emulator
  }
  if (params.get('SignatureVersion') !== '1.0') {
    throw new StsError(400, 'InvalidSignatureVersion', 'Specified signature version is not supported; use 1.0.'); // emulator
  }
  return safeEqual(signature, rpcSignature(secret, rpcStringToSign(request.method, params)));
}

function verifyAcs3(request: StsHttpRequest, auth: Acs3Authorization, secret: string): boolean {
  const unsigned = requiredSignedHeaders(request.headers).filter((name) => !auth.signedHeaders.includes(name));
  if (unsigned.length > 0) throw stsErrors.unsupportedSignature(`Headers must be signed: ${unsigned.join(', ')}.`);
  const hashedPayload = required(headerValue(request.headers, 'x-acs-content-sha256'), 'ContentSha256');
  // The payload hash is signed, but only the body's real hash proves the body was not swapped.
  if (!safeEqual(hashedPayload, sha256Hex(request.body))) return false;
  const canonical = acs3CanonicalRequest({
    method: request.method,
    rawPath: request.rawPath,
    query: request.query,
    headers: request.headers,
    signedHeaders: auth.signedHeaders,
    hashedPayload,
  });
  return safeEqual(auth.signature, acs3Signature(secret, canonical));
}
