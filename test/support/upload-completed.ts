/**
 * upload-completed against real parts: the OSS emulator over HTTP, where the function's keys are allowed exactly
 * what its manifest's role policy says (evaluated by the local RAM evaluator), an owner key to seed objects with,
 * and a webhook receiver that records every delivery and answers with a scripted status.
 */
import OSS from 'ali-oss';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deploymentConfig, functionRolePolicy } from '../../deploy/policies';
import { uploadCompletedManifest } from '../../functions/upload-completed/manifest';
import type { CredentialResolver } from '../../local/emulator-accounts';
import { staticAccounts, firstKnown } from '../../local/emulator-accounts';
import { startOssEmulator, type OssRequestLog, type RunningOssEmulator } from '../../local/oss-emulator';
import { evaluate, parsePolicyDocument } from '../../local/ram-policy';
import { localRoles } from '../../local/local-account';
import { loadConfig } from '../../shared/config/sections';
import { registerIssued } from './log-capture';

export const BUCKET = 'uploads-bucket';
export const OWNER = { accessKeyId: 'LTAI-test-owner', accessKeySecret: 'test-owner-secret-loopback' };
/** The function role's temporary keys, as FC puts them in `context.credentials`. */
export const ROLE_KEYS = {
  accessKeyId: 'STS.upload-completed-role',
  accessKeySecret: 'role-secret-for-tests-only',
  securityToken: 'role-security-token-for-tests',
};
export const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 42).toString('base64')}`;
registerIssued(OWNER.accessKeySecret, ROLE_KEYS.accessKeySecret, ROLE_KEYS.securityToken, WEBHOOK_SECRET);

/** The role policy `npm run policies` prints for this deployment, enforced on the role's keys. */
function roleResolver(env: Record<string, string>): CredentialResolver {
  const loaded = loadConfig(
    { ALLOWED_ORIGINS: '', AUTH_JWT_SECRET: 'x'.repeat(32), STS_ROLE_ARN: 'acs:ram::1:role/x', ...env },
    deploymentConfig,
  );
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const parsed = parsePolicyDocument(
    JSON.stringify(functionRolePolicy(uploadCompletedManifest, loaded.config, localRoles([uploadCompletedManifest]))),
  );
  if (!parsed.ok) throw new Error('role policy does not parse');
  return (accessKeyId, securityToken) => {
    if (accessKeyId !== ROLE_KEYS.accessKeyId) return { kind: 'error', code: 'InvalidAccessKeyId', message: 'unknown key' };
    if (securityToken !== ROLE_KEYS.securityToken) return { kind: 'error', code: 'InvalidSecurityToken', message: 'bad token' };
    return {
      kind: 'found',
      accessKeySecret: ROLE_KEYS.accessKeySecret,
      isAllowed: (action, resource, context) => evaluate([parsed.policy], action, resource, context),
    };
  };
}

export interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface Receiver {
  url: string;
  deliveries: Delivery[];
  /** Statuses to answer, in order; 204 once they run out. */
  script: number[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: '', deliveries: [], script: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = receiver.script.shift() ?? 204;
      receiver.deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/uploads`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

export interface Storage {
  oss: RunningOssEmulator;
  owner: OSS;
  /** Every request the emulator answered (no secrets: the emulator logs none). */
  requests: OssRequestLog[];
  put(key: string, body: Buffer, contentType: string): Promise<string>;
  close(): Promise<void>;
}

export async function startStorage(env: Record<string, string> = {}): Promise<Storage> {
  const requests: OssRequestLog[] = [];
  const oss = await startOssEmulator({
    bucket: BUCKET,
    region: 'cn-hangzhou',
    credentials: firstKnown(staticAccounts([OWNER]), roleResolver({ OSS_BUCKET: BUCKET, OSS_REGION: 'cn-hangzhou', ...env })),
    log: (entry) => requests.push(entry),
  });
  const owner = new OSS({
    ...OWNER,
    bucket: BUCKET,
    region: 'oss-cn-hangzhou',
    endpoint: oss.url,
    cname: true,
    authorizationV4: true,
  });
  return {
    oss,
    owner,
    requests,
    async put(key, body, contentType) {
      await owner.put(key, body, { mime: contentType, headers: { 'Content-Type': contentType } });
      return oss.getObject(key)!.etag;
    },
    close: () => oss.close(),
  };
}
