/**
 * The embedded default: the two functions behind the same FC adapter they use in the cloud, an OSS emulator and
 * an STS emulator, all on loopback, with zero configuration. Given real configuration (OSS_BUCKET set), it starts
 * no emulator and serves real credentials for the real cloud.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { SignJWT } from 'jose';
import { overwriteConfigurationXml, uploadOverwriteRule } from '../deploy/overwrite-protection';
import {
  bucketCorsRule,
  deploymentConfig,
  functionRolePolicy,
  uploadRoleMaxSessionSeconds,
  uploadRolePolicy,
  type CorsRule,
  type DeploymentConfig,
} from '../deploy/policies';
import { isHttpFunction } from '../functions/manifest';
import { FUNCTIONS } from '../functions/registry';
import { CredentialCache } from '../shared/alicloud/credential-cache';
import { assumeRoleWithSdk, type VendedCredentials } from '../shared/alicloud/sts-client';
import { loadConfig, originsSection, type ConfigSection } from '../shared/config/sections';
import { corsHeaders, isOriginAllowed, preflightHeaders } from '../shared/edge/cors';
import type { Env } from '../shared/config/variables';
import { BUNDLED_PROFILES_FILE } from '../shared/upload/bundled-profiles';
import { profilesFromFile, type ProfilesFile, type UploadProfiles } from '../shared/upload/profiles';
import { createFcEventHandler } from '../shared/edge/event-handler';
import { createFcHandler, type FcHandler } from '../shared/edge/handler';
import { createAsyncInvoker, type AsyncInvoker } from './async-invoker';
import { firstKnown, staticAccounts, type CredentialResolver } from './emulator-accounts';
import { serveWithFcHandler, type FcContextCredentials } from './fc-adapter';
import { embeddedEnvironment, type DevTokens } from './embedded-env';
import {
  keptDevSecret,
  LOCAL_ACCOUNT_ID,
  LOCAL_BUCKET,
  LOCAL_REGION,
  LOCAL_ROOT_KEY,
  LOCAL_UPLOAD_ROLE,
  localRoles,
} from './local-account';
import { isLoopbackHostHeader, NOT_LOOPBACK_MESSAGE } from './loopback-host';
import { startOssEmulator, type ObjectCreatedNotification, type OssRequestLog, type RunningOssEmulator } from './oss-emulator';
import { startStsEmulator, type RunningStsEmulator } from './sts-emulator';
import { createWebhookReceiver, type WebhookReceiver } from './webhook-receiver';

export interface DevStackOptions {
  /** Dev server port; 0 picks one. Default 9000. */
  port?: number;
  ossPort?: number;
  stsPort?: number;
  /** The environment to read; embedded mode when OSS_BUCKET is absent. */
  env?: Env;
  /** The upload profiles file that goes with it: the one the build bundled when left out, `null` for none. */
  profilesFile?: ProfilesFile | null;
  /** Folder in which the OSS emulator keeps objects across restarts; in memory when absent. */
  ossDataDir?: string;
  /** Where the demo page lives (default `web/`), and its built scripts (default `dist/web/`, served at /assets/). */
  webDir?: string;
  assetsDir?: string;
  /** The emulators' clock (tests move it to expire URLs and credentials); the functions keep the real one. */
  emulatorClock?: () => Date;
  /** When the OSS emulator judges a URL's expiry: as the request arrives (default, as OSS), or after its body. */
  ossChecksAt?: 'start' | 'end';
  /** Replaces the bucket CORS rule `npm run policies` prints (tests show what a misconfigured bucket does). */
  bucketCorsRule?: CorsRule;
  /** Waits before FC-style retries of a failed asynchronous invocation (default 0.5 s, 1 s, 2 s). */
  asyncRetryDelaysMs?: readonly number[];
  /** The OSS emulator writes keys URL-encoded in its events (the function must read both forms). */
  encodeEventKeys?: boolean;
  /**
   * Run the OSS-triggered functions on every new object, as the deployment does (default true). Tests of the
   * upload transport that store random bytes turn it off: upload-completed would rightly remove them.
   */
  uploadTriggers?: boolean;
  /** Sees each request the OSS emulator answers (never its query, headers or fields): tests count operations. */
  ossLog?: (entry: OssRequestLog) => void;
}

export interface DevStack {
  url: string;
  mode: 'embedded' | 'cloud';
  oss: RunningOssEmulator | undefined;
  sts: RunningStsEmulator | undefined;
  /** The environment the functions were built from (embedded secrets included: local only). */
  env: Env;
  /** The upload profiles the functions serve (the one `default` without a profiles file). */
  profiles: UploadProfiles | undefined;
  /** The OSS-triggered functions' asynchronous invokers, by name (embedded mode). */
  invokers: ReadonlyMap<string, AsyncInvoker>;
  /** The stack's own webhook receiver, when no UPLOAD_WEBHOOK_URL was given (embedded mode). */
  webhookReceiver: WebhookReceiver | undefined;
  /** Embedded mode: what it took from the environment, one line each, never a secret's value. */
  fromEnvironment: string[];
  /** Whether /api/dev-token signs tokens, and if not why. */
  devTokens: DevTokens;
  /** Cloud mode: what the functions will refuse to start with (embedded mode refuses to start instead). */
  configurationProblems: string[];
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.map': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The emulators and what the functions need from them, in embedded mode. */
interface Emulators {
  oss: RunningOssEmulator;
  sts: RunningStsEmulator;
  /** The functions' environment: the user's, the embedded defaults, the emulators' endpoints. */
  env: Env;
  devTokens: DevTokens;
  fromEnvironment: string[];
  webhookReceiver: WebhookReceiver | undefined;
  /** A function role's temporary credentials, as FC hands them over in `context.credentials`. */
  credentialsFor: CredentialsForRole;
}

type CredentialsForRole = (role: string) => Promise<FcContextCredentials | undefined>;

/** An OSS-triggered function's subscription: the events its trigger names, under the folder before `{user}`. */
interface Trigger {
  /** The function it invokes. */
  name: string;
  events: readonly string[];
  prefix: string;
  invoker: AsyncInvoker;
}

export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const baseEnv = options.env ?? process.env;
  const profilesFile = options.profilesFile === undefined ? (BUNDLED_PROFILES_FILE ?? null) : options.profilesFile;
  // A bad profiles file stops every function, in either mode: nothing starts with it (the lifetime is only a default).
  const fileProblems = profilesFile === null ? [] : profilesFileProblems(profilesFile);
  if (fileProblems.length > 0) throw new Error(`upload profiles: ${fileProblems.join('; ')}`);
  const embedded = baseEnv['OSS_BUCKET'] === undefined || baseEnv['OSS_BUCKET'] === '';
  const server = await listenOnLoopback(options.port ?? 9000);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Filled once the functions exist; the emulator may store objects before (restored from its folder) and after.
  const triggers: Trigger[] = [];
  let emulators: Emulators | undefined;
  try {
    if (embedded)
      emulators = await startEmulators({
        baseEnv,
        url,
        options,
        profilesFile,
        onObjectCreated: (event) => dispatchToTriggers(triggers, event),
      });
  } catch (error) {
    await new Promise((resolve) => server.close(resolve));
    throw error;
  }
  const env = emulators?.env ?? baseEnv;
  const credentialsFor: CredentialsForRole = emulators?.credentialsFor ?? (async () => undefined);
  const invokers = new Map<string, AsyncInvoker>();
  if (emulators !== undefined && options.uploadTriggers !== false) {
    triggers.push(
      ...ossTriggers({
        env,
        profilesFile,
        credentialsFor,
        ...(options.asyncRetryDelaysMs === undefined ? {} : { retryDelaysMs: options.asyncRetryDelaysMs }),
      }),
    );
    for (const trigger of triggers) invokers.set(trigger.name, trigger.invoker);
  }
  const devTokens: DevTokens = emulators?.devTokens ?? { kind: 'off', reason: 'development tokens exist only in the embedded local stack' };
  const profiles = profilesOf(env, profilesFile);
  serveRequests(server, {
    routes: httpRoutes(env, profilesFile),
    embedded,
    env,
    profiles,
    devTokens,
    oss: emulators?.oss,
    webhookReceiver: emulators?.webhookReceiver,
    credentialsFor,
    webDir: resolve(options.webDir ?? 'web'),
    assetsDir: resolve(options.assetsDir ?? join('dist', 'web')),
  });

  const { oss, sts } = emulators ?? {};
  return {
    url,
    mode: embedded ? 'embedded' : 'cloud',
    oss,
    sts,
    env,
    profiles,
    invokers,
    webhookReceiver: emulators?.webhookReceiver,
    fromEnvironment: emulators?.fromEnvironment ?? [],
    devTokens,
    configurationProblems: embedded ? [] : configurationProblems(env, profilesFile),
    close: async () => {
      // Invocations already running finish first: they still talk to the emulator and the webhook receiver.
      await Promise.allSettled([...invokers.values()].map((invoker) => invoker.close()));
      server.closeAllConnections();
      await Promise.allSettled([new Promise((resolve) => server.close(resolve)), oss?.close(), sts?.close()]);
    },
  };
}

async function listenOnLoopback(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

/**
 * Embedded mode: the environment with the stack's own defaults (dev-token secret, webhook receiver), checked as a
 * cold start would check it; then the STS emulator with every role `npm run policies` prints, and the OSS emulator
 * with the bucket settings it prints. Every problem stops the start, naming its variable.
 */
async function startEmulators(input: {
  baseEnv: Env;
  url: string;
  options: DevStackOptions;
  profilesFile: ProfilesFile | null;
  onObjectCreated: (notification: ObjectCreatedNotification) => void;
}): Promise<Emulators> {
  const { baseEnv, url, options, profilesFile } = input;
  const local = embeddedEnvironment(baseEnv, [url, url.replace('127.0.0.1', 'localhost')], {
    ...(options.ossDataDir === undefined ? {} : { devSecret: keptDevSecret(options.ossDataDir) }),
  });
  // With no receiver of the user's own, verdicts go to the stack's receiver, which feeds the demo page.
  const localEnv: Record<string, string> = { ...local.env };
  let webhookReceiver: WebhookReceiver | undefined;
  if ((localEnv['UPLOAD_WEBHOOK_URL'] ?? '') === '') {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    webhookReceiver = createWebhookReceiver(secret);
    Object.assign(localEnv, { UPLOAD_WEBHOOK_URL: `${url}/api/dev-webhook`, UPLOAD_WEBHOOK_SECRET: secret });
  }
  // Endpoints are the emulators' (placeholders until they listen).
  const problems = configurationProblems({ ...localEnv, OSS_ENDPOINT: 'http://127.0.0.1:1', STS_ENDPOINT: '127.0.0.1:1' }, profilesFile);
  if (problems.length > 0) throw new Error(`configuration: ${problems.join('; ')}`);
  const draftConfig = loadConfig(localEnv, deploymentConfig, profilesFile);
  if (!draftConfig.ok) throw new Error(`configuration: ${draftConfig.problems.join('; ')}`);
  const deployment = draftConfig.config;
  const clock = options.emulatorClock === undefined ? {} : { now: options.emulatorClock };

  const rootResolver = staticAccounts([{ ...LOCAL_ROOT_KEY, principal: LOCAL_ACCOUNT_ID }]);
  let issued: CredentialResolver = () => ({ kind: 'error', code: 'InvalidAccessKeyId', message: 'unknown key' });
  // The sts-token function calls STS with its own role's temporary credentials, as it does in FC.
  const sts = await startStsEmulator({
    callers: firstKnown(rootResolver, (id, token, now) => issued(id, token, now)),
    roles: emulatorRoles(deployment),
    port: options.stsPort ?? 9200,
    ...clock,
  });
  issued = sts.credentialResolver();
  let oss: RunningOssEmulator;
  try {
    oss = await startOssEmulator({
      bucket: LOCAL_BUCKET,
      region: LOCAL_REGION,
      credentials: firstKnown(rootResolver, sts.credentialResolver()),
      corsRules: [options.bucketCorsRule ?? bucketCorsRule(deployment)],
      // The overwrite protection `npm run policies` prints, as the XML a deployer applies to the bucket.
      overwriteConfiguration: overwriteConfigurationXml([uploadOverwriteRule(deployment, LOCAL_UPLOAD_ROLE)]),
      port: options.ossPort ?? 9100,
      ...clock,
      ...(options.ossChecksAt === undefined ? {} : { checksAt: options.ossChecksAt }),
      ...(options.ossDataDir === undefined ? {} : { storageDir: options.ossDataDir }),
      onObjectCreated: input.onObjectCreated,
      encodeEventKeys: options.encodeEventKeys ?? false,
      ...(options.ossLog === undefined ? {} : { log: options.ossLog }),
    });
  } catch (error) {
    await sts.close();
    throw error;
  }
  return {
    oss,
    sts,
    env: { ...localEnv, OSS_ENDPOINT: oss.url, STS_ENDPOINT: sts.endpoint },
    devTokens: local.devTokens,
    fromEnvironment: local.report,
    webhookReceiver,
    credentialsFor: roleCredentialSource(sts),
  };
}

/** Each role with exactly the policy `npm run policies` prints for a deployment. */
function emulatorRoles(deployment: DeploymentConfig): Array<{ arn: string; policy: string; maxSessionDurationSeconds?: number }> {
  const roleArns = localRoles(FUNCTIONS);
  return [
    {
      arn: LOCAL_UPLOAD_ROLE,
      policy: JSON.stringify(uploadRolePolicy(deployment)),
      maxSessionDurationSeconds: uploadRoleMaxSessionSeconds(deployment),
    },
    ...FUNCTIONS.map((fn) => ({
      arn: roleArns.functionRoleArns[fn.name] ?? '',
      policy: JSON.stringify(functionRolePolicy(fn, deployment, roleArns)),
    })),
  ];
}

/** FC hands each function its role's temporary credentials; here the account owner assumes the role at the STS emulator. */
function roleCredentialSource(sts: RunningStsEmulator): CredentialsForRole {
  const stsEndpoint = { host: sts.endpoint, protocol: 'http' as const };
  const roleCredentials = new CredentialCache<VendedCredentials>({
    maxEntries: FUNCTIONS.length,
    minRemainingMs: 10 * 60_000,
    clock: () => new Date(),
  });
  return async (role) => {
    const vended = await roleCredentials.get(role, () =>
      assumeRoleWithSdk({
        endpoint: stsEndpoint,
        caller: { ...LOCAL_ROOT_KEY, securityToken: undefined },
        roleArn: role,
        roleSessionName: 'fc-local',
        durationSeconds: 3600,
        policy: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] }),
        timeoutMs: 3000,
      }),
    );
    return { accessKeyId: vended.accessKeyId, accessKeySecret: vended.accessKeySecret, securityToken: vended.securityToken };
  };
}

interface HttpRoute {
  name: string;
  handler: FcHandler;
  /** The function's role, whose credentials FC would hand it. */
  role: string;
}

/** Each HTTP-triggered function at its route, built from `env` as a new FC instance would be. */
function httpRoutes(env: Env, profilesFile: ProfilesFile | null): Map<string, HttpRoute> {
  const functionRoles = localRoles(FUNCTIONS).functionRoleArns;
  return new Map(
    FUNCTIONS.filter(isHttpFunction).map((fn) => [
      fn.route,
      { name: fn.name, handler: createFcHandler(fn.create(), { env, profilesFile }), role: functionRoles[fn.name] ?? '' },
    ]),
  );
}

function profilesFileProblems(file: ProfilesFile): string[] {
  const loaded = profilesFromFile(file, { signedUrlTtlSeconds: 300 });
  return loaded.ok ? [] : loaded.problems;
}

/** The profiles the functions serve, for the demo page; undefined when the configuration does not load. */
function profilesOf(env: Env, profilesFile: ProfilesFile | null): UploadProfiles | undefined {
  const loaded = loadConfig(env, deploymentConfig, profilesFile);
  return loaded.ok ? loaded.config.profiles : undefined;
}

/** OSS-triggered functions: invoked asynchronously, like FC, for the events their trigger subscribes to. */
function ossTriggers(input: {
  env: Env;
  profilesFile: ProfilesFile | null;
  credentialsFor: CredentialsForRole;
  retryDelaysMs?: readonly number[];
}): Trigger[] {
  const functionRoles = localRoles(FUNCTIONS).functionRoleArns;
  const loaded = loadConfig(input.env, deploymentConfig, input.profilesFile);
  const prefix = loaded.ok ? loaded.config.uploadPrefix.before : '';
  return FUNCTIONS.filter((fn) => !isHttpFunction(fn)).map((fn) => ({
    name: fn.name,
    events: fn.events,
    prefix,
    invoker: createAsyncInvoker({
      functionName: fn.name,
      handler: createFcEventHandler(fn.create(), { env: input.env, profilesFile: input.profilesFile }),
      credentials: () => input.credentialsFor(functionRoles[fn.name] ?? ''),
      ...(input.retryDelaysMs === undefined ? {} : { retryDelaysMs: input.retryDelaysMs }),
    }),
  }));
}

/** As the trigger's filter does: the events it names, keys under the folder before {user}. */
function dispatchToTriggers(triggers: readonly Trigger[], notification: ObjectCreatedNotification): void {
  for (const trigger of triggers) {
    if (!trigger.events.includes(`oss:${notification.eventName}`)) continue;
    if (!decodedKey(notification.oss.object.key).startsWith(trigger.prefix)) continue;
    trigger.invoker.invoke(Buffer.from(JSON.stringify({ events: [notification] })));
  }
}

interface ServeOptions {
  routes: ReadonlyMap<string, HttpRoute>;
  embedded: boolean;
  env: Env;
  profiles: UploadProfiles | undefined;
  devTokens: DevTokens;
  oss: RunningOssEmulator | undefined;
  webhookReceiver: WebhookReceiver | undefined;
  credentialsFor: CredentialsForRole;
  webDir: string;
  assetsDir: string;
}

/** The dev server's routes: the functions, the development endpoints, the demo page and its scripts. */
function serveRequests(server: Server, served: ServeOptions): void {
  const { routes, embedded, env, oss, webhookReceiver, profiles } = served;
  const allowedOrigins = allowedOriginsOf(env);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    // Before anything else, for every route: a page that rebound its own name to 127.0.0.1 gets nothing.
    if (!isLoopbackHostHeader(request.headers.host))
      return sendJson(response, 403, { error: { code: 'Forbidden', message: NOT_LOOPBACK_MESSAGE } });
    const path = new URL(request.url ?? '/', 'http://local').pathname;
    const route = async (): Promise<void> => {
      const fn = routes.get(path);
      if (fn !== undefined) {
        return serveWithFcHandler(fn.handler, request, response, {
          functionName: fn.name,
          credentials: () => served.credentialsFor(fn.role),
        });
      }
      if (path === '/healthz') return sendJson(response, 200, { status: 'ok', mode: embedded ? 'embedded' : 'cloud' });
      if (path === '/api/dev-token') return devToken(request, response, served.devTokens);
      if (path === '/api/dev-objects') return devObjects(request, response, oss);
      if (path === '/api/dev-webhook' && webhookReceiver !== undefined) return webhookReceiver.handle(request, response);
      if (path === '/api/dev-verdicts') return devVerdicts(request, response, webhookReceiver);
      if (path === '/api/config')
        return sendJson(response, 200, {
          mode: embedded ? 'embedded' : 'cloud',
          ossEndpoint: env['OSS_ENDPOINT'] ?? null,
          bucket: env['OSS_BUCKET'] ?? null,
          profiles: publicProfiles(profiles),
        });
      // Anything else is a file of the demo page, read with GET: a function called at a wrong path is told the routes.
      if (path.startsWith('/api/') || (request.method !== 'GET' && request.method !== 'HEAD'))
        return answerUnknownRoute(request, response, { path, routes, allowedOrigins });
      if (path.startsWith('/assets/')) return serveStatic(served.assetsDir, path.slice('/assets'.length), request, response);
      return serveStatic(served.webDir, path, request, response);
    };
    route().catch((error: unknown) => {
      console.error(JSON.stringify({ level: 'error', msg: 'dev server failure', error: error instanceof Error ? error.name : 'unknown' }));
      if (!response.headersSent) sendJson(response, 500, { error: { code: 'InternalError', message: 'internal error' } });
      else response.destroy();
    });
  });
}

/** ALLOWED_ORIGINS as the functions read it (npm start refused a bad value before serving). */
function allowedOriginsOf(env: Env): readonly string[] {
  const loaded = loadConfig(env, originsSection, null);
  return loaded.ok ? loaded.config.allowedOrigins : [];
}

/**
 * A request at no route. From a page of an allowed origin, it is answered as a function would answer it (the preflight
 * passes, the 404 carries the CORS headers), so the page reads the routes instead of a browser's CORS error that would
 * blame ALLOWED_ORIGINS.
 */
function answerUnknownRoute(
  request: IncomingMessage,
  response: ServerResponse,
  input: { path: string; routes: ReadonlyMap<string, HttpRoute>; allowedOrigins: readonly string[] },
): void {
  const origin = request.headers.origin;
  if (request.method === 'OPTIONS' && isOriginAllowed(origin, input.allowedOrigins)) {
    response.writeHead(204, { ...preflightHeaders(origin, input.allowedOrigins, 'GET, POST, OPTIONS'), 'cache-control': 'no-store' }).end();
    return;
  }
  const message = unknownRouteMessage(request.method ?? '-', input.path, input.routes);
  sendJson(response, 404, { error: { code: 'NotFound', message } }, corsHeaders(origin, input.allowedOrigins));
}

/** What a request at no route is told: the routes there are, and the likely one when only a slash or `/api` differs. */
export function unknownRouteMessage(method: string, path: string, routes: ReadonlyMap<string, HttpRoute>): string {
  const functions = [...routes.keys()];
  const trimmed = path.replace(/\/+$/, '');
  const likely = functions.find(
    (route) => route === trimmed || route === `/api${trimmed}` || route.endsWith(`/${trimmed.split('/').pop()}`),
  );
  const listed = [...functions.map((route) => `POST ${route}`), 'GET /healthz', 'GET /api/dev-token?user=<name>', 'GET / (the demo page)'];
  return `no route ${method} ${path}${likely === undefined ? '' : ` (did you mean ${likely}?)`}; the routes are ${listed.join(', ')}`;
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response
    .writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    .end(JSON.stringify(body));
}

const DEV_USER = /^[A-Za-z0-9._@-]{1,64}$/;

/** Development only: a one-hour HS256 token for any name, signed with the stack's random secret (never a team's). */
async function devToken(request: IncomingMessage, response: ServerResponse, tokens: DevTokens): Promise<void> {
  const remote = request.socket.remoteAddress ?? '';
  if (tokens.kind === 'off') return sendJson(response, 403, { error: { code: 'Forbidden', message: tokens.reason } });
  if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(remote))
    return sendJson(response, 403, { error: { code: 'Forbidden', message: 'development tokens are served to loopback only' } });
  if (request.method !== 'GET') return sendJson(response, 405, { error: { code: 'MethodNotAllowed', message: 'use GET' } });
  const user = new URL(request.url ?? '/', 'http://local').searchParams.get('user') ?? '';
  if (!DEV_USER.test(user))
    return sendJson(response, 400, { error: { code: 'BadRequest', message: 'user must be 1-64 of A-Z a-z 0-9 . _ @ -' } });
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(user).setIssuedAt().setExpirationTime('1h');
  // The tokens the functions are configured to expect (AUTH_ISSUER / AUTH_AUDIENCE given with no login of one's own).
  if (tokens.issuer !== undefined) jwt.setIssuer(tokens.issuer);
  if (tokens.audience !== undefined) jwt.setAudience(tokens.audience);
  const token = await jwt.sign(new TextEncoder().encode(tokens.secret));
  sendJson(response, 200, { token, user, expiresIn: 3600 });
}

/** Development only: what the OSS emulator holds under a prefix, with each object's MD5, to check uploads landed intact. */
function devObjects(request: IncomingMessage, response: ServerResponse, oss: RunningOssEmulator | undefined): void {
  if (oss === undefined)
    return sendJson(response, 403, { error: { code: 'Forbidden', message: 'the object listing exists only in the embedded local stack' } });
  const prefix = new URL(request.url ?? '/', 'http://local').searchParams.get('prefix') ?? '';
  const objects = oss
    .listKeys()
    .filter((key) => key.startsWith(prefix))
    .map((key) => {
      const object = oss.getObject(key);
      return {
        key,
        size: object?.body.length ?? 0,
        contentType: object?.contentType ?? '',
        md5: object === undefined ? '' : createHash('md5').update(object.body).digest('hex'),
      };
    });
  sendJson(response, 200, { objects });
}

/** Development only: the verdicts the stack's own webhook receiver verified, for keys under a prefix. */
function devVerdicts(request: IncomingMessage, response: ServerResponse, receiver: WebhookReceiver | undefined): void {
  if (receiver === undefined)
    return sendJson(response, 404, { error: { code: 'NotFound', message: 'verdicts go to your UPLOAD_WEBHOOK_URL, not to this server' } });
  const prefix = new URL(request.url ?? '/', 'http://local').searchParams.get('prefix') ?? '';
  const verdicts = receiver
    .verdicts()
    .filter(({ key }) => key.startsWith(prefix))
    .map(({ key, verdict, webhookId }) => ({ key, verdict, webhookId }));
  sendJson(response, 200, { verdicts });
}

/** A notification's key as the trigger's filter sees it, whether the emulator wrote it encoded or not. */
function decodedKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

async function serveStatic(webDir: string, path: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return sendJson(response, 405, { error: { code: 'MethodNotAllowed', message: 'use GET' } });
  let relative: string;
  try {
    relative = path === '/' ? 'index.html' : decodeURIComponent(path).replace(/^\/+/, '');
  } catch {
    return sendJson(response, 400, { error: { code: 'BadRequest', message: 'malformed path' } });
  }
  const file = normalize(join(webDir, relative));
  // Inside the folder itself (with the separator, so a sibling like web-old/ is outside too).
  if (!file.startsWith(normalize(webDir) + sep) || relative.includes('\0'))
    return sendJson(response, 404, { error: { code: 'NotFound', message: 'not found' } });
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch {
    return sendJson(response, 404, { error: { code: 'NotFound', message: 'not found' } });
  }
  response.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  response.end(request.method === 'HEAD' ? undefined : content);
}

/**
 * What the demo page needs of each profile to offer it: the profiles file's facts a user may know anyway (its
 * answers and errors say them), never the claims it requires.
 */
function publicProfiles(profiles: UploadProfiles | undefined): unknown {
  return (profiles?.list ?? []).map(({ name, contentTypes, minBytes, maxBytes, key, methods, maxObjectsPerUser, maxBytesPerUser }) => ({
    name,
    contentTypes,
    minBytes,
    maxBytes,
    key,
    methods,
    ...(maxObjectsPerUser === undefined ? {} : { maxObjectsPerUser }),
    ...(maxBytesPerUser === undefined ? {} : { maxBytesPerUser }),
  }));
}

/** Every problem any function would meet at cold start with this environment and profiles file (each names its variable or field). */
export function configurationProblems(env: Env, profilesFile: ProfilesFile | null = BUNDLED_PROFILES_FILE ?? null): string[] {
  const problems = new Set<string>();
  for (const fn of FUNCTIONS) {
    // HTTP and OSS-triggered definitions alike: a configuration section, and maybe a check of what it built.
    const definition: { config: ConfigSection<unknown>; checkConfig?(config: unknown): string[] } = fn.create();
    const loaded = loadConfig(env, definition.config, profilesFile);
    if (!loaded.ok) loaded.problems.forEach((problem) => problems.add(problem));
    else definition.checkConfig?.(loaded.config).forEach((problem) => problems.add(problem));
  }
  return [...problems];
}
