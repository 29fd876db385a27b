/**
 * The HTTP face of the STS emulator: loopback only, one AssumeRole endpoint at `/`, JSON answers shaped
 * like STS's, and fault injection for the tests that must see timeouts, throttling and garbage.
 * Nothing is logged: requests carry signatures and tokens, answers carry secrets.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHostHeader, NOT_LOOPBACK_MESSAGE } from '../loopback-host';
import { parsePolicyDocument } from '../ram-policy';
import {
  assumeRole,
  durationParam,
  MAX_ROLE_SESSION_SECONDS,
  newRoleId,
  parseRoleArn,
  DEFAULT_DURATION_SECONDS,
  type RoleEntry,
} from './assume-role';
import { API_VERSION, authenticate, createNonceCache, readEnvelope } from './authenticate';
import { errorBody, StsError, stsErrors } from './errors';
import { headerValue, parseStsRequest } from './request';
import { SessionStore } from './sessions';
import type { AssumeRoleRecord, RunningStsEmulator, StsEmulatorOptions, StsFault, StsRole } from './types';

const MAX_BODY_BYTES = 64 * 1024;
const MAX_RECORDS = 100;

export async function startStsEmulator(options: StsEmulatorOptions): Promise<RunningStsEmulator> {
  const host = options.host ?? '127.0.0.1';
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) && host !== '::1') {
    throw new Error(`STS emulator: host must be a loopback address (127.x.x.x or ::1), got "${host}".`);
  }
  const roles = buildRoles(options.roles);
  const now = options.now ?? (() => new Date());
  const sessions = new SessionStore();
  const nonces = createNonceCache();
  const records: AssumeRoleRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let calls = 0;
  let fault: StsFault | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID().toUpperCase();
    const hostId = headerValue(req.headers, 'host') ?? 'sts.aliyuncs.com';
    try {
      // Nothing here serves browsers, but a DNS-rebinding page could still read answers as same-origin.
      if (!isLoopbackHostHeader(req.headers.host)) throw new StsError(403, 'Forbidden.Host', NOT_LOOPBACK_MESSAGE); // emulator
      const body = await readBody(req);
      const method = req.method ?? 'GET';
      if (method !== 'GET' && method !== 'POST') throw stsErrors.methodNotAllowed();
      const request = parseStsRequest(method, req.url ?? '/', req.headers, body);

      const action = headerValue(req.headers, 'x-acs-action') ?? request.params.get('Action');
      if (action === 'AssumeRole') {
        calls += 1;
        records.push({
          roleSessionName: request.params.get('RoleSessionName') ?? '',
          durationSeconds: durationParam(request.params),
          policy: request.params.get('Policy'),
        });
        if (records.length > MAX_RECORDS) records.shift();
      }

      const current = fault;
      if (current !== undefined) {
        const answered = await applyFault(current, res);
        if (answered) return;
      }

      if (request.rawPath !== '/') throw stsErrors.actionNotFound(request.rawPath);
      const envelope = readEnvelope(request);
      if (envelope.action === undefined || envelope.action === '') throw stsErrors.missingParameter('Action');
      if (envelope.action !== 'AssumeRole') throw stsErrors.actionNotFound(envelope.action);
      if (envelope.version !== API_VERSION) throw stsErrors.invalidVersion();

      const at = now();
      const caller = authenticate(request, envelope, { callers: options.callers, nonces, now: at });
      const answer = assumeRole(request.params, { roles, sessions, caller, now: at, requestId });
      send(res, 200, JSON.stringify(answer), requestId, at);
    } catch (error) {
      // Unexpected errors become a bare InternalError; their details could echo request contents.
      const stsError = error instanceof StsError ? error : stsErrors.internal();
      send(res, stsError.status, errorBody(stsError, requestId, hostId), requestId, now());
    }
  }

  /** True when the fault already answered (or deliberately never will). */
  async function applyFault(current: StsFault, res: ServerResponse): Promise<boolean> {
    switch (current.kind) {
      case 'delay':
        await sleep(current.ms);
        return false;
      case 'status':
        throw current.code === 'InternalError' ? stsErrors.internal() : new StsError(current.status, current.code, 'Injected fault.');
      case 'throttle':
        throw stsErrors.throttled();
      case 'malformed':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>');
        return true;
      case 'hang':
        // Accepted and never answered; close() destroys the socket.
        return true;
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

  return {
    url: `http://${hostPort}`,
    port,
    endpoint: hostPort,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets (the SDK's agent keeps them) and hung requests would hold close() open.
        server.closeAllConnections();
      }),
    assumeRoleCalls: () => calls,
    lastRequests: () => records.map((record) => ({ ...record })),
    setFault: (next) => {
      fault = next;
    },
    credentialResolver: () => sessions.resolver(),
  };
}

function buildRoles(roles: readonly StsRole[]): Map<string, RoleEntry> {
  const byArn = new Map<string, RoleEntry>();
  for (const role of roles) {
    const parsedArn = parseRoleArn(role.arn);
    if (parsedArn === undefined) throw new Error(`STS emulator: role ARN "${role.arn}" is not acs:ram::<account>:role/<name>.`);
    if (byArn.has(role.arn)) throw new Error(`STS emulator: role "${role.arn}" is listed twice.`);
    const policy = parsePolicyDocument(role.policy);
    if (!policy.ok) throw new Error(`STS emulator: the policy of role "${role.arn}" is invalid: ${policy.message}`);
    const max = role.maxSessionDurationSeconds ?? DEFAULT_DURATION_SECONDS;
    if (!Number.isInteger(max) || max < DEFAULT_DURATION_SECONDS || max > MAX_ROLE_SESSION_SECONDS) {
      throw new Error(`STS emulator: maxSessionDurationSeconds of "${role.arn}" must be an integer in 3600..43200.`);
    }
    byArn.set(role.arn, { arn: role.arn, ...parsedArn, roleId: newRoleId(), policy: policy.policy, maxSessionDurationSeconds: max });
  }
  return byArn;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.pause();
        reject(stsErrors.bodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** `date` is the emulator's own clock, as a real STS's `Date` header is its clock (skewed clocks show in both). */
function send(res: ServerResponse, status: number, body: string, requestId: string, date: Date): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    date: date.toUTCString(),
    'content-type': 'application/json;charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-acs-request-id': requestId,
    'cache-control': 'no-store',
    // A body we stopped reading must not be parsed as the next request.
    ...(status === 413 ? { connection: 'close' } : {}),
  });
  res.end(body);
}
