/** Tokens signed with jose, the way an identity provider would sign them. */
import { createHmac } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { registerIssued } from './log-capture';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256!';
registerIssued(TEST_JWT_SECRET);

export async function hsToken(
  claims: JWTPayload,
  options: { secret?: string; expiresIn?: string | number; alg?: string } = {},
): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256' }).setIssuedAt();
  if (claims.exp === undefined) jwt.setExpirationTime(options.expiresIn ?? '10m');
  const token = await jwt.sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
  registerIssued(token);
  return token;
}

export async function rsaKeys(): Promise<{ privateKey: CryptoKey; jwks: { keys: object[] }; publicPem: string }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const { createPublicKey } = await import('node:crypto');
  const publicPem = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  return { privateKey, jwks: { keys: [jwk] }, publicPem };
}

export async function rsToken(privateKey: CryptoKey, claims: JWTPayload): Promise<string> {
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(privateKey);
  registerIssued(token);
  return token;
}

/** A token put together by hand (header and payload as JSON text, so any value can be written), signed HS256. */
export function handMade(header: object | string, payload: object | string, secret: string = TEST_JWT_SECRET): string {
  const encode = (part: object | string): string =>
    Buffer.from(typeof part === 'string' ? part : JSON.stringify(part)).toString('base64url');
  const signingInput = `${encode(header)}.${encode(payload)}`;
  const token = `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
  registerIssued(token);
  return token;
}

/** A JWT with `alg: none`: jose refuses to make one, so it is put together by hand. */
export function unsecuredToken(claims: JWTPayload): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}
