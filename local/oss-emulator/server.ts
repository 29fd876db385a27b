/**
 * The HTTP side: one request in, in the order OSS works — address, CORS preflight, size guard, body, operation,
 * authentication (signature or PostObject policy), credential look-up, signature check, RAM `isAllowed`, then the
 * operation — and one reply out, errors rendered as OSS's XML with `x-oss-request-id` on everything.
 */
import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { CredentialResolver, FoundCredential } from '../emulator-accounts';
import { isLoopbackHostHeader, NOT_LOOPBACK_MESSAGE } from '../loopback-host';
import { authenticateRequest } from './auth';
import { corsResponseHeaders, findCorsRule, parseRequestedHeaders } from './cors';
import { OssError, accessDenied } from './errors';
import { boundaryOf, malformedPost, parseMultipartForm } from './multipart-form';
import { MAX_OBJECT_BYTES, type Operation, type Reply, entityTooLarge, storedHeaders } from './context';
import { type ObjectCreatedNotification, objectCreatedNotification } from './notifications';
import { storeSimpleObject } from './objects';
import { checkUploadDirectives, isPublicRead } from './directives';
import { requestedStorageClass } from './storage-class';
import { objectLocation } from './location';
import { isPostObject, routeOperation } from './operations';
import type { BucketSettings } from './bucket-settings';
import type { OverwriteProtection } from './overwrite-config';
import { authenticatePost, checkPostPolicy } from './post-policy';
import { type OssRequest, resolveRequest } from './request';
import type { ObjectStorage } from './storage';
import { escapeXml, toXml } from './xml';

/** One line per request for the dev server's log: never the query string, headers or form fields (signatures, tokens). */
export interface OssRequestLog {
  requestId: string;
  method: string;
  path: string;
  operation: string | undefined;
  status: number;
  code: string | undefined;
  accessKeyId: string | undefined;
  durationMs: number;
}

export interface ServerConfig {
  bucket: string;
  region: string;
  credentials: CredentialResolver;
  /** The bucket's CORS rules (preflights and answers follow what is put at `?cors`) and lifecycle rules. */
  bucketSettings: BucketSettings;
  storage: ObjectStorage;
  overwriteProtection: OverwriteProtection;
  now: () => Date;
  /** When signatures, credentials and policies are judged: as the request arrives (as OSS does), or once its body is in. */
  checksAt: 'start' | 'end';
  strictPostPolicy: boolean;
  log: ((entry: OssRequestLog) => void) | undefined;
  /** Called after every operation that creates an object, asynchronously (the client has its answer first). */
  onObjectCreated: ((notification: ObjectCreatedNotification) => void) | undefined;
  /** Write keys URL-encoded in notifications. */
  encodeEventKeys: boolean;
  accountId: string;
}

/** When the request's permissions are judged (`checkedAt`) and when it takes effect (`now`, after its body). */
interface RequestClock {
  checkedAt: Date;
  now: Date;
}

interface Exchange {
  requestId: string;
  started: number;
  operation: string | undefined;
  accessKeyId: string | undefined;
  /** CORS headers to add to whatever the answer turns out to be. */
  cors: Record<string, string>;
  /** The key a PostObject wrote (the form names it), for its notification. */
  postedKey?: string;
}

/** `oss:x-oss-object-acl`: the ACL a request (header) or form (field) asks for, when it asks for one. */
function objectAclCondition(value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { 'oss:x-oss-object-acl': value.trim() };
}

function newRequestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}

export function errorBody(error: OssError, requestId: string, hostId: string): string {
  const extra = Object.entries(error.details)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>` +
    `<RequestId>${requestId}</RequestId><HostId>${escapeXml(hostId)}</HostId>${extra}</Error>`
  );
}

/** The body ended before the `Content-Length` it declared (OSS error EC 0017-00000505; the code is our choice). */
function incompleteBody(declared: number, received: number): OssError {
  return new OssError(400, 'IncompleteBody', 'The request body is shorter or longer than its Content-Length header.', {
    ContentLength: String(declared),
    ReceivedBytes: String(received),
  });
}

/**
 * Reads the whole body, refusing more than OSS would take in one request, and holds it to its `Content-Length`:
 * the signature may bind that header, so the bytes stored must be exactly the bytes declared.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  const header = req.headers['content-length'];
  const declared = header === undefined ? undefined : Number(header);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OBJECT_BYTES) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) reject(entityTooLarge());
      else if (declared !== undefined && declared !== size) reject(incompleteBody(declared, size));
      else resolve(Buffer.concat(chunks));
    });
    // A client that stops sending before Content-Length bytes: Node ends the request with an `aborted` error.
    req.on('error', (error) => reject(declared !== undefined && size < declared ? incompleteBody(declared, size) : error));
  });
}

export class OssHttpServer {
  private readonly server: Server;

  constructor(private readonly config: ServerConfig) {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(error, socket));
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const exchange: Exchange = { requestId: newRequestId(), started: Date.now(), operation: undefined, accessKeyId: undefined, cors: {} };
    const method = (req.method ?? 'GET').toUpperCase();
    const hostId = req.headers.host ?? `${this.config.bucket}.oss-${this.config.region}.aliyuncs.com`;
    let path = (req.url ?? '/').split('?')[0] ?? '/';
    let bodyAbandoned = false;
    try {
      if (!isLoopbackHostHeader(req.headers.host, (hostname) => this.isSdkHost(hostname))) {
        throw new OssError(403, 'AccessDenied', NOT_LOOPBACK_MESSAGE);
      }
      const request = resolveRequest(method, req.url ?? '/', req.headers, this.config.bucket);
      path = request.rawPath;
      if (method === 'OPTIONS') {
        exchange.operation = 'Preflight';
        await drain(req);
        this.send(res, method, exchange, path, this.preflight(request));
        return;
      }
      exchange.cors = this.actualCors(request);
      // OSS authenticates a request on its headers: a URL valid when the upload starts stays valid however long the body takes.
      const arrivedAt = this.config.now();
      const declared = Number(req.headers['content-length'] ?? '0');
      if (Number.isFinite(declared) && declared > MAX_OBJECT_BYTES) {
        // Do not read 5 GiB only to refuse it: answer now and close the connection.
        res.setHeader('Connection', 'close');
        bodyAbandoned = true;
        req.resume();
        throw entityTooLarge();
      }
      const body = await readBody(req);
      const route = routeOperation(request);
      exchange.operation = route.name;
      const now = this.config.now();
      const clock: RequestClock = { checkedAt: this.config.checksAt === 'start' ? arrivedAt : now, now };
      const previousSize = this.config.storage.getObject(request.key)?.body.length ?? 0;
      const reply = isPostObject(route)
        ? this.postObject(request, body, clock, exchange, req)
        : this.signedOperation(route, request, body, clock, exchange, req);
      this.send(res, method, exchange, path, reply);
      if (reply.status < 300) this.notifyCreated(route.name, exchange.postedKey ?? request.key, previousSize, exchange, req, now);
    } catch (error) {
      const ossError =
        error instanceof OssError ? error : new OssError(500, 'InternalError', 'We encountered an internal error. Please try again.');
      if (!(error instanceof OssError))
        console.error(`oss-emulator: internal error in ${method} ${path}: ${error instanceof Error ? error.message : String(error)}`);
      // Read what the client still sends before answering, so it sees the answer rather than a reset.
      if (!bodyAbandoned) await drain(req);
      this.send(
        res,
        method,
        exchange,
        path,
        {
          status: ossError.status,
          headers: { 'Content-Type': 'application/xml' },
          body: errorBody(ossError, exchange.requestId, hostId),
        },
        ossError.code,
      );
    }
  }

  /** An ObjectCreated notification for what the operation stored, if it stored anything. */
  private notifyCreated(operation: string, key: string, previousSize: number, exchange: Exchange, req: IncomingMessage, now: Date): void {
    const listener = this.config.onObjectCreated;
    const object = this.config.storage.getObject(key);
    if (listener === undefined || object === undefined) return;
    const notification = objectCreatedNotification({
      operation,
      bucket: this.config.bucket,
      region: this.config.region,
      accountId: this.config.accountId,
      object,
      previousSize,
      requestId: exchange.requestId,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      now,
      encodeKey: this.config.encodeEventKeys,
    });
    if (notification === undefined) return;
    setImmediate(() => {
      try {
        listener(notification);
      } catch (error) {
        console.error(`oss-emulator: notification listener failed: ${error instanceof Error ? error.name : 'unknown'}`);
      }
    });
  }

  /**
   * ali-oss given an IP endpoint sends `Host: <bucket>.oss-<region>.aliyuncs.com` (its `createRequest`); nobody
   * but Alibaba can point such a name at this machine, so it is no rebinding risk.
   */
  private isSdkHost(hostname: string): boolean {
    return hostname.startsWith(`${this.config.bucket}.`) && hostname.endsWith('.aliyuncs.com');
  }

  /** Resolver look-up, then the signature with the secret it returned, then RAM. */
  private authorise(
    claim: { accessKeyId: string; securityToken: string | undefined; verify(secret: string): void },
    now: Date,
    exchange: Exchange,
  ): FoundCredential {
    exchange.accessKeyId = claim.accessKeyId;
    const found = this.config.credentials(claim.accessKeyId, claim.securityToken, now);
    if (found.kind === 'error') throw new OssError(403, found.code, found.message);
    claim.verify(found.accessKeySecret);
    return found;
  }

  private ramContext(now: Date, req: IncomingMessage, extra: Record<string, string>): Record<string, string> {
    return {
      'acs:SecureTransport': 'false',
      'acs:CurrentTime': now.toISOString(),
      'acs:SourceIp': req.socket.remoteAddress ?? '127.0.0.1',
      ...extra,
    };
  }

  /** GetObject and HeadObject of an object stored with `x-oss-object-acl: public-read`. */
  private isPublicRead(operation: Operation, request: OssRequest): boolean {
    if (operation.name !== 'GetObject' && operation.name !== 'HeadObject') return false;
    const object = this.config.storage.getObject(request.key);
    return object !== undefined && isPublicRead(object.headers);
  }

  private resource(key: string | undefined): string {
    return key === undefined ? `acs:oss:*:*:${this.config.bucket}` : `acs:oss:*:*:${this.config.bucket}/${key}`;
  }

  private signedOperation(
    operation: Operation,
    request: OssRequest,
    body: Buffer,
    clock: RequestClock,
    exchange: Exchange,
    req: IncomingMessage,
  ): Reply {
    const { checkedAt, now } = clock;
    const auth = authenticateRequest(request, { region: this.config.region, now: checkedAt });
    const run = (): Reply =>
      operation.run({
        request,
        body,
        storage: this.config.storage,
        now,
        objectUrl: (key) => objectLocation(request, key),
        overwriteProtection: this.config.overwriteProtection,
        bucketSettings: this.config.bucketSettings,
      });
    if (auth.kind === 'anonymous') {
      if (this.isPublicRead(operation, request)) return run();
      throw accessDenied(
        'You have no right to access this object because of bucket acl: anonymous requests are refused, sign the request.',
      );
    }
    const found = this.authorise(auth, checkedAt, exchange);
    const resource = this.resource(operation.scope === 'bucket' ? undefined : request.key);
    const conditions = { ...operation.conditions, ...objectAclCondition(request.headers['x-oss-object-acl']) };
    if (!found.isAllowed(operation.action, resource, this.ramContext(checkedAt, req, conditions))) {
      // A public-read object is readable by everyone, signed or not, whatever the caller's own permissions.
      if (this.isPublicRead(operation, request)) return run();
      throw accessDenied(`You are not allowed to do ${operation.action} on ${resource}.`);
    }
    for (const { action, key } of operation.alsoRequires ?? []) {
      if (!found.isAllowed(action, this.resource(key), this.ramContext(checkedAt, req, {}))) {
        throw accessDenied(`You are not allowed to do ${action} on ${this.resource(key)}.`);
      }
    }
    checkUploadDirectives(operation.name, (name) => request.headers[name]);
    return run();
  }

  private postObject(request: OssRequest, body: Buffer, clock: RequestClock, exchange: Exchange, req: IncomingMessage): Reply {
    const { checkedAt, now } = clock;
    if (boundaryOf(request.headers['content-type']) === undefined) {
      throw malformedPost('PostObject needs Content-Type: multipart/form-data with a boundary.');
    }
    const form = parseMultipartForm(body, request.headers['content-type']);
    const claim = authenticatePost(form.fields, { region: this.config.region });
    const found = this.authorise(claim, checkedAt, exchange);
    if (form.file === undefined) throw new OssError(400, 'InvalidArgument', 'The PostObject form has no file field (it must come last).');
    const get = (name: string): string | undefined => form.fields.get(name)?.value;
    const rawKey = get('key');
    if (rawKey === undefined || rawKey === '') throw new OssError(400, 'InvalidArgument', 'The PostObject form has no key field.');
    checkPostPolicy(claim.policy, {
      fields: form.fields,
      bucket: this.config.bucket,
      fileSize: form.file.data.length,
      now: checkedAt,
      strict: this.config.strictPostPolicy,
    });

    const key = rawKey.replace(/\$\{filename\}/g, form.file.filename);
    exchange.postedKey = key;
    const resource = this.resource(key);
    if (!found.isAllowed('oss:PutObject', resource, this.ramContext(checkedAt, req, objectAclCondition(get('x-oss-object-acl'))))) {
      throw accessDenied(`You are not allowed to do oss:PutObject on ${resource}.`);
    }
    checkUploadDirectives('PostObject', get);
    const statusField = get('success_action_status');
    const status = statusField === '200' || statusField === '201' ? Number(statusField) : 204;

    const fieldValues = Object.fromEntries([...form.fields].map(([name, field]) => [name, field.value]));
    const stored = storeSimpleObject(
      this.config.storage,
      {
        key,
        body: form.file.data,
        contentType: get('content-type') ?? form.file.contentType ?? 'application/octet-stream',
        storageClass: requestedStorageClass(get('x-oss-storage-class')),
        headers: storedHeaders(fieldValues),
        forbidOverwrite: this.config.overwriteProtection.forbidsOverwrite(key, get('x-oss-forbid-overwrite')),
      },
      now,
    );
    const location = objectLocation(request, key);
    const replyHeaders = { ETag: stored.etag, Location: location };
    if (status === 201) {
      return {
        status,
        headers: { ...replyHeaders, 'Content-Type': 'application/xml' },
        body: toXml('PostResponse', { Bucket: this.config.bucket, Location: location, Key: key, ETag: stored.etag }),
      };
    }
    return { status, headers: replyHeaders };
  }

  /** `OPTIONS`: 200 with the allow headers when a rule matches origin, method and every requested header. */
  private preflight(request: OssRequest): Reply {
    const origin = request.headers['origin'];
    const method = request.headers['access-control-request-method'];
    if (origin === undefined || method === undefined) {
      throw new OssError(403, 'AccessForbidden', 'CORSResponse: a preflight request needs Origin and Access-Control-Request-Method.');
    }
    const rules = this.config.bucketSettings.cors ?? [];
    if (rules.length === 0) throw new OssError(403, 'AccessForbidden', 'CORSResponse: CORS is not enabled for this bucket.');
    const requestedHeaders = parseRequestedHeaders(request.headers['access-control-request-headers']);
    const rule = findCorsRule(rules, origin, method, requestedHeaders);
    if (rule === undefined) {
      throw new OssError(
        403,
        'AccessForbidden',
        "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
      );
    }
    const headers: Record<string, string> = {
      ...corsResponseHeaders(rule, origin),
      Vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    };
    if (requestedHeaders.length > 0) headers['Access-Control-Allow-Headers'] = requestedHeaders.join(', ');
    return { status: 200, headers };
  }

  /** CORS headers for an actual request, when its origin and method match a rule (errors carry them too). */
  private actualCors(request: OssRequest): Record<string, string> {
    const origin = request.headers['origin'];
    const rules = this.config.bucketSettings.cors;
    if (origin === undefined || rules === undefined) return {};
    const rule = findCorsRule(rules, origin, request.method);
    return rule === undefined ? { Vary: 'Origin' } : { ...corsResponseHeaders(rule, origin), Vary: 'Origin' };
  }

  private send(res: ServerResponse, method: string, exchange: Exchange, path: string, reply: Reply, code?: string): void {
    const body = reply.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body, 'utf8');
    const headers: Record<string, string> = {
      Server: 'AliyunOSS',
      'x-oss-request-id': exchange.requestId,
      ...exchange.cors,
      ...reply.headers,
    };
    // HEAD answers carry the length of what GET would send, and no body; so do errors to HEAD.
    const bodiless = reply.status === 204 || reply.status === 304;
    if (headers['Content-Length'] === undefined && !bodiless) headers['Content-Length'] = String(body.length);
    if (!res.headersSent) res.writeHead(reply.status, headers);
    res.end(method === 'HEAD' || bodiless ? undefined : body);
    this.config.log?.({
      requestId: exchange.requestId,
      method,
      path,
      operation: exchange.operation,
      status: reply.status,
      code,
      accessKeyId: exchange.accessKeyId,
      durationMs: Date.now() - exchange.started,
    });
  }
}

/** Node's answers to requests it cannot parse (lib/_http_server.js), kept for everything but a cut-short body. */
const NODE_CLIENT_ERROR_STATUS: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/**
 * A body cut short of its Content-Length (the client half-closed) gets OSS's XML, so a client sees why; other
 * requests Node cannot parse get Node's own bare answer, as without this handler.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  if (error.code !== 'HPE_INVALID_EOF_STATE') {
    socket.end(`HTTP/1.1 ${NODE_CLIENT_ERROR_STATUS[error.code ?? ''] ?? '400 Bad Request'}\r\nConnection: close\r\n\r\n`);
    return;
  }
  const requestId = newRequestId();
  const body = errorBody(
    new OssError(400, 'IncompleteBody', 'The request body ended before its Content-Length.'),
    requestId,
    'oss-emulator',
  );
  socket.end(
    'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/xml\r\n' +
      `x-oss-request-id: ${requestId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    req.on('end', resolve);
    req.on('close', resolve);
    req.on('error', () => resolve());
    req.resume();
  });
}
