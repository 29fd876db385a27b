/**
 * The FC 3.0 edge every HTTP function shares: configuration checked once at cold start, then per request
 * preflight or run (method guard, bearer token, JSON body, the function's own step), then respond (one error
 * mapper, CORS, `Cache-Control: no-store`, one log line). A function supplies only its definition: its step, and
 * which methods and query parameters it takes (POST and none unless it says).
 */
import { randomUUID } from 'node:crypto';
import { createTokenVerifier, identityWarnings, type Identity, type TokenVerifier } from '../auth/identity';
import { loadConfig, profilesArgument, type ConfigSection, type EdgeConfig } from '../config/sections';
import type { Env } from '../config/variables';
import type { ErrorCode } from '../contract';
import type { ProfilesFile } from '../upload/profiles';
import { corsHeaders, isOriginAllowed, preflightHeaders } from './cors';
import { HttpError, internalError, toErrorResponse, unexpectedErrorDetail } from './errors';
import { parseFcEvent, toFcResponse, tooLarge, type FcHttpResponse, type PlainRequest, type PlainResponse } from './fc-event';
import { writeLogLine, writeWarningLine, type LogWriter, type WarningWriter } from './log';

export const MAX_BODY_BYTES = 16 * 1024;

/** What a function may accept besides OPTIONS, which the edge answers itself (the CORS preflight). */
export type AcceptedMethod = 'GET' | 'POST';

/** The `Allow` header (and the preflight's `Access-Control-Allow-Methods`) of a function accepting `methods`. */
export const allowedMethodsHeader = (methods: readonly AcceptedMethod[]): string => [...methods, 'OPTIONS'].join(', ');

export interface HandleInput<C> {
  request: PlainRequest;
  identity: Identity;
  /** The request's JSON body, parsed but not yet validated; undefined for a GET, which has none. */
  input: unknown;
  /** The query parameters the definition declares (`query`), when sent; no other. */
  query: Readonly<Record<string, string>>;
  config: C;
  /** FC's context: read credentials from it, never log it. */
  context: unknown;
  now: Date;
}

export interface HandleResult {
  answer: unknown;
  /** 200 unless said otherwise; a 204 carries no body. */
  status?: 200 | 204;
  /** The object key or prefix the answer is about, for the log line. */
  logKey?: string;
}

export interface FunctionDefinition<C extends EdgeConfig> {
  name: string;
  /** The configuration sections this function reads, checked at cold start. */
  config: ConfigSection<C>;
  /** Problems of this function's own with a loaded configuration, found at cold start. */
  checkConfig?(config: C): string[];
  /** The methods it answers (its trigger's methods are these and OPTIONS). `['POST']` when left out. */
  methods?: readonly AcceptedMethod[];
  /** The query parameters it reads; any other is ignored. None when left out. */
  query?: readonly string[];
  /**
   * The body of an error answer, for a function that speaks another error shape on some requests (status and
   * headers stay the edge's). The default `{"error": {"code", "message"}}` when left out or when it returns undefined.
   */
  errorBody?(error: ErrorAnswer, query: Readonly<Record<string, string>>): unknown;
  handle(input: HandleInput<C>): Promise<HandleResult> | HandleResult;
}

/** An error as the caller may see it: the message is already the exposed one ("internal error" for a 5xx). */
export interface ErrorAnswer {
  status: number;
  code: ErrorCode;
  message: string;
}

export interface HandlerOptions {
  env?: Env;
  /** The upload profiles file that goes with `env`: the bundled one when left out, `null` for none. */
  profilesFile?: ProfilesFile | null;
  log?: LogWriter;
  /** Where cold-start warnings go (stdout by default, as JSON lines beside the request log). */
  warn?: WarningWriter;
  clock?: () => Date;
}

export type FcHandler = (event: unknown, context?: unknown) => Promise<FcHttpResponse>;

/** One instance's state, settled at cold start: a working configuration, or the problem that stops every request. */
type Instance<C> = { ok: true; config: C; verifyToken: TokenVerifier; warnings: string[] } | { ok: false; problem: string };

/** What the edge knows of a definition's HTTP surface, settled once. */
interface Surface {
  methods: readonly AcceptedMethod[];
  /** `Allow` and `Access-Control-Allow-Methods`. */
  allow: string;
  query: readonly string[];
}

/** What one request came to, for the response and the log line. */
interface Outcome {
  request: PlainRequest | undefined;
  response: PlainResponse;
  /** A hash of the caller's user segment, once authenticated. */
  userTag?: string;
  logKey?: string;
  failure?: HttpError;
}

/** Everything settled at cold start that every request of the instance uses. */
interface Edge<C extends EdgeConfig> {
  definition: FunctionDefinition<C>;
  surface: Surface;
  instance: Instance<C>;
  clock: () => Date;
}

/** One invocation as FC hands it over. */
interface Invocation {
  event: unknown;
  context: unknown;
  /** The request id when the event names none: FC's `context.requestId`, or a new one. */
  fallbackId: string;
}

export function createFcHandler<C extends EdgeConfig>(definition: FunctionDefinition<C>, options: HandlerOptions = {}): FcHandler {
  const log = options.log ?? writeLogLine;
  const clock = options.clock ?? (() => new Date());
  const instance = startInstance(definition, options, clock);
  const methods = definition.methods ?? ['POST'];
  const edge: Edge<C> = {
    definition,
    surface: { methods, allow: allowedMethodsHeader(methods), query: definition.query ?? [] },
    instance,
    clock,
  };
  if (instance.ok) {
    const warn = options.warn ?? writeWarningLine;
    for (const warning of instance.warnings) warn({ level: 'warn', function: definition.name, requestId: 'cold-start', warning });
  } else {
    log({
      level: 'error',
      function: definition.name,
      requestId: 'cold-start',
      method: '-',
      status: 500,
      durationMs: 0,
      errorCode: 'InternalError',
      cause: instance.problem,
    });
  }

  return async (event, context) => {
    const started = performance.now();
    const contextRequestId = (context as { requestId?: unknown } | undefined)?.requestId;
    const fallbackId = typeof contextRequestId === 'string' ? contextRequestId : randomUUID();
    const outcome = await handleEvent(edge, { event, context, fallbackId });
    const { request, response } = outcome;
    response.headers['Cache-Control'] = 'no-store';
    response.headers['X-Content-Type-Options'] = 'nosniff';
    log({
      level: response.status >= 500 ? 'error' : response.status >= 400 ? 'warn' : 'info',
      function: definition.name,
      requestId: request?.requestId ?? fallbackId,
      method: request?.method ?? '-',
      status: response.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      ...(outcome.userTag === undefined ? {} : { user: outcome.userTag }),
      ...(outcome.logKey === undefined ? {} : { key: outcome.logKey }),
      ...(outcome.failure === undefined ? {} : { errorCode: outcome.failure.code }),
      ...(outcome.failure?.reason === undefined ? {} : { reason: outcome.failure.reason }),
      ...(outcome.failure?.logDetail === undefined ? {} : { cause: outcome.failure.logDetail }),
    });
    return toFcResponse(response);
  };
}

function startInstance<C extends EdgeConfig>(definition: FunctionDefinition<C>, options: HandlerOptions, clock: () => Date): Instance<C> {
  const loaded = loadConfig(options.env ?? process.env, definition.config, ...profilesArgument(options));
  const problems = loaded.ok ? (definition.checkConfig?.(loaded.config) ?? []) : loaded.problems;
  if (!loaded.ok || problems.length > 0) return { ok: false, problem: `configuration: ${problems.join('; ')}` };
  return {
    ok: true,
    config: loaded.config,
    verifyToken: createTokenVerifier(loaded.config, { clock }),
    warnings: identityWarnings(loaded.config),
  };
}

/**
 * The steps of one request: parse the event, answer a preflight, or check the method, verify the token, read the
 * body and run the function's own step. Whatever is thrown becomes the error answer, logged with what was learnt
 * before it (the request, the caller).
 */
async function handleEvent<C extends EdgeConfig>(edge: Edge<C>, invocation: Invocation): Promise<Outcome> {
  const { definition, surface, instance } = edge;
  let request: PlainRequest | undefined;
  let identity: Identity | undefined;
  let cors: Record<string, string> = {};
  try {
    request = parseFcEvent(invocation.event, invocation.fallbackId, { maxBodyBytes: MAX_BODY_BYTES });
    if (!instance.ok) throw internalError(instance.problem);
    const origin = request.headers['origin'];
    cors = corsHeaders(origin, instance.config.allowedOrigins);
    if (request.method === 'OPTIONS') return { request, response: preflight(origin, instance.config.allowedOrigins, surface.allow) };
    const method = acceptedMethod(request, surface);
    identity = await instance.verifyToken(request.headers['authorization']);
    const result = await definition.handle({
      request,
      identity,
      input: method === 'GET' ? noBody(request) : parseJsonBody(request),
      query: declaredQuery(request, surface),
      config: instance.config,
      context: invocation.context,
      now: edge.clock(),
    });
    return {
      request,
      userTag: identity.userTag,
      response: { status: result.status ?? 200, headers: cors, body: result.status === 204 ? undefined : result.answer },
      ...(result.logKey === undefined ? {} : { logKey: result.logKey }),
    };
  } catch (error) {
    return {
      request,
      ...(identity === undefined ? {} : { userTag: identity.userTag }),
      ...errorOutcome(edge, { error, request, cors }),
    };
  }
}

/** The error answer (the definition's own shape when it has one) and the failure to log. */
function errorOutcome<C extends EdgeConfig>(
  edge: Edge<C>,
  { error, request, cors }: { error: unknown; request: PlainRequest | undefined; cors: Record<string, string> },
): Pick<Outcome, 'response' | 'failure'> {
  // Only the name and where it was thrown: an unexpected error's message could carry anything.
  const failure = error instanceof HttpError ? error : internalError(unexpectedErrorDetail(error));
  const mapped = toErrorResponse(failure);
  const body =
    request === undefined || edge.definition.errorBody === undefined
      ? undefined
      : edge.definition.errorBody(
          { status: mapped.status, code: mapped.body.error.code, message: mapped.body.error.message },
          declaredQuery(request, edge.surface),
        );
  return { response: { status: mapped.status, headers: { ...cors, ...mapped.headers }, body: body ?? mapped.body }, failure };
}

function preflight(origin: string | undefined, allowedOrigins: readonly string[], allow: string): PlainResponse {
  if (origin === undefined) return { status: 204, headers: { Vary: 'Origin', Allow: allow }, body: undefined };
  const requested: string = origin;
  if (!isOriginAllowed(origin, allowedOrigins)) {
    // Named in the answer and the log: the usual cause is a frontend whose origin nobody added yet.
    const named = JSON.stringify(requested.slice(0, 200));
    throw new HttpError(403, 'Forbidden', `origin ${named} is not allowed: add it to ALLOWED_ORIGINS`, {
      logDetail: `refused origin ${named}`,
    });
  }
  return { status: 204, headers: { ...preflightHeaders(origin, allowedOrigins, allow), Allow: allow }, body: undefined };
}

/** Only the parameters the definition reads, so a function cannot come to depend on one it never declared. */
function declaredQuery(request: PlainRequest, surface: Surface): Record<string, string> {
  const query: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name of surface.query) {
    const value = request.query[name];
    if (value !== undefined) query[name] = value;
  }
  return query;
}

/**
 * A method the function accepts (else 405 with `Allow`), and a body small enough to have been decoded: refused
 * before the token is looked at, as it would be before the event was parsed (fc-event.ts never decodes it).
 */
function acceptedMethod(request: PlainRequest, surface: Surface): AcceptedMethod {
  const method = surface.methods.find((accepted) => accepted === request.method);
  if (method === undefined) {
    throw new HttpError(405, 'MethodNotAllowed', `method ${request.method} is not allowed; use ${surface.methods.join(' or ')}`, {
      headers: { Allow: surface.allow },
    });
  }
  if (request.bodyTooLarge === true) throw tooLarge('body', MAX_BODY_BYTES);
  return method;
}

/** A GET says everything in its URL: a body would be ignored, so it is refused rather than silently dropped. */
function noBody(request: PlainRequest): undefined {
  if (request.body.length > 0) throw new HttpError(400, 'BadRequest', 'a GET request has no body');
  return undefined;
}

function parseJsonBody(request: PlainRequest): unknown {
  const contentType = request.headers['content-type'];
  if (contentType === undefined || !/^application\/json\s*(;.*)?$/i.test(contentType.trim())) {
    throw new HttpError(415, 'UnsupportedMediaType', 'Content-Type must be application/json');
  }
  if (request.body.length > MAX_BODY_BYTES) throw tooLarge('body', MAX_BODY_BYTES);
  if (request.body.length === 0) throw new HttpError(400, 'InvalidJson', 'body must be a JSON object');
  try {
    return JSON.parse(request.body.toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'InvalidJson', 'body is not valid JSON');
  }
}
