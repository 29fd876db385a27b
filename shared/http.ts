/**
 * The FC 3.0 edge every function shares: config checked once at cold start, event → request, CORS, method
 * guard, bearer token, JSON body, one error mapper, one log line, `Cache-Control: no-store`.
 * A function only supplies `handle`, which gets an authenticated caller and a parsed body.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig, type Config, type Env } from './config';
import { corsHeaders, isOriginAllowed, preflightHeaders } from './cors';
import { HttpError, internalError, toErrorResponse } from './errors';
import { parseFcEvent, toFcResponse, type FcHttpResponse, type PlainRequest } from './fc';
import { createTokenVerifier, userHash, type Identity, type TokenVerifier } from './identity';
import { writeLogLine, type LogWriter } from './log';

export const MAX_BODY_BYTES = 16 * 1024;
export const ALLOWED_METHODS = 'POST, OPTIONS';

export interface HandleInput {
  request: PlainRequest;
  identity: Identity;
  body: unknown;
  config: Config;
  /** FC's context: read credentials from it, never log it. */
  context: unknown;
  now: Date;
}

export interface HandleResult {
  body: unknown;
  /** Extra, non-secret fields for the log line. */
  logKey?: string;
}

export interface FunctionDefinition {
  name: string;
  requireSts: boolean;
  /** Problems of this function's own with a loaded configuration, found at cold start. */
  checkConfig?(config: Config): string[];
  handle(input: HandleInput): Promise<HandleResult> | HandleResult;
}

export interface HandlerOptions {
  env?: Env;
  log?: LogWriter;
  clock?: () => Date;
}

export type FcHandler = (event: unknown, context?: unknown) => Promise<FcHttpResponse>;

export function createFcHandler(definition: FunctionDefinition, options: HandlerOptions = {}): FcHandler {
  const log = options.log ?? writeLogLine;
  const clock = options.clock ?? (() => new Date());
  const loaded = loadConfig(options.env ?? process.env, { requireSts: definition.requireSts });
  const problems = loaded.ok ? (definition.checkConfig?.(loaded.config) ?? []) : loaded.problems;
  const configProblem = problems.length === 0 ? undefined : `configuration: ${problems.join('; ')}`;
  if (configProblem !== undefined)
    log({
      level: 'error',
      function: definition.name,
      requestId: 'cold-start',
      method: '-',
      status: 500,
      durationMs: 0,
      errorCode: 'InternalError',
      cause: configProblem,
    });
  const verifyToken: TokenVerifier | undefined =
    loaded.ok && configProblem === undefined ? createTokenVerifier(loaded.config.auth) : undefined;

  return async (event, context) => {
    const started = performance.now();
    const contextRequestId = (context as { requestId?: unknown } | undefined)?.requestId;
    const fallbackId = typeof contextRequestId === 'string' ? contextRequestId : randomUUID();
    let request: PlainRequest | undefined;
    let user: string | undefined;
    let logKey: string | undefined;
    let status = 500;
    let headers: Record<string, string> = {};
    let body: unknown;
    let failure: HttpError | undefined;

    try {
      request = parseFcEvent(event, fallbackId);
      if (!loaded.ok || verifyToken === undefined) throw internalError(configProblem ?? 'configuration');
      const config = loaded.config;
      const origin = request.headers['origin'];
      headers = corsHeaders(origin, config.allowedOrigins);

      if (request.method === 'OPTIONS') {
        if (origin !== undefined && !isOriginAllowed(origin, config.allowedOrigins)) {
          throw new HttpError(403, 'Forbidden', 'origin is not allowed');
        }
        status = 204;
        headers = {
          ...(origin === undefined ? { Vary: 'Origin' } : preflightHeaders(origin, config.allowedOrigins)),
          Allow: ALLOWED_METHODS,
        };
      } else {
        if (request.method !== 'POST')
          throw new HttpError(405, 'MethodNotAllowed', `method ${request.method} is not allowed; use POST`, {
            headers: { Allow: ALLOWED_METHODS },
          });
        const identity = await verifyToken(request.headers['authorization']);
        user = userHash(identity.userSegment);
        const input = parseJsonBody(request);
        const now = clock();
        const result = await definition.handle({ request, identity, body: input, config, context, now });
        status = 200;
        body = result.body;
        logKey = result.logKey;
      }
    } catch (error) {
      // Only the name and where it was thrown: an unexpected error's message could carry anything.
      failure =
        error instanceof HttpError
          ? error
          : internalError(error instanceof Error ? `${error.name} at ${thrownAt(error)}` : 'non-error thrown');
      const mapped = toErrorResponse(failure);
      status = mapped.status;
      headers = { ...headers, ...mapped.headers };
      body = mapped.body;
    }

    headers['Cache-Control'] = 'no-store';
    headers['X-Content-Type-Options'] = 'nosniff';
    log({
      level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
      function: definition.name,
      requestId: request?.requestId ?? fallbackId,
      method: request?.method ?? '-',
      status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      ...(user === undefined ? {} : { user }),
      ...(logKey === undefined ? {} : { key: logKey }),
      ...(failure === undefined ? {} : { errorCode: failure.code }),
      ...(failure?.logDetail === undefined ? {} : { cause: failure.logDetail }),
    });
    return toFcResponse({ status, headers, body });
  };
}

function thrownAt(error: Error): string {
  const frame = error.stack?.split('\n').find((line) => line.trimStart().startsWith('at '));
  return (
    frame
      ?.trim()
      .replace(/^at /, '')
      .replace(/\(.*[/\\]/, '(')
      .slice(0, 120) ?? 'unknown'
  );
}

function parseJsonBody(request: PlainRequest): unknown {
  const contentType = request.headers['content-type'];
  if (contentType === undefined || !/^application\/json\s*(;.*)?$/i.test(contentType.trim())) {
    throw new HttpError(415, 'UnsupportedMediaType', 'Content-Type must be application/json');
  }
  if (request.body.length > MAX_BODY_BYTES) throw new HttpError(413, 'PayloadTooLarge', `body is larger than ${MAX_BODY_BYTES} bytes`);
  if (request.body.length === 0) throw new HttpError(400, 'InvalidJson', 'body must be a JSON object');
  try {
    return JSON.parse(request.body.toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'InvalidJson', 'body is not valid JSON');
  }
}
