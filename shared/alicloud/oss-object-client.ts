/**
 * The few OSS object calls upload-completed makes with its role's keys: a ranged GET (metadata and first bytes in
 * one round trip), HEAD, DELETE, and a copy (for quarantine). Each request is signed in the V4 header form (FACTS §1)
 * by `shared/upload/signature-schemes.ts`, as sign-url's own OSS calls are. Answers are read only as far as these calls need.
 */
import { httpRequest, HttpRequestFailure, type HttpAnswer } from '../net/http-request';
import { v4 } from '../upload/signature-schemes';
import { encodeObjectKey, objectUrl } from '../upload/signed-upload';
import type { AccessKey } from './access-key';

export interface OssObjectClientOptions {
  /** Origin the requests go to: `<endpoint>/<key>` (a bucket endpoint, a bound domain, or a local emulator). */
  endpoint: string;
  bucket: string;
  /** Bare region id, e.g. `cn-hangzhou`. */
  region: string;
  credentials: AccessKey;
  timeoutMs: number;
  clock?: () => Date;
}

export interface ObjectHead {
  /** As stored; `application/octet-stream` when OSS has none. */
  contentType: string;
  size: number;
  /** Quoted, as OSS sends it. */
  etag: string;
  /** `Normal`, `Multipart`, `Appendable`, `Symlink`. */
  objectType: string | undefined;
  /** A stored `Content-Encoding`, when there is one. */
  contentEncoding: string | undefined;
  /** `x-oss-meta-*` values, lower-case names without the prefix. */
  meta: Record<string, string>;
}

/** OSS answered, but not as hoped: its status and error code (the XML's `<Code>`), nothing else of the body. */
export class OssCallFailure extends Error {
  readonly status: number;
  readonly code: string;

  constructor(operation: string, status: number, code: string) {
    super(`${operation} answered ${status} ${code}`);
    this.name = 'OssCallFailure';
    this.status = status;
    this.code = code;
  }
}

export interface CopyOptions {
  /** Copy only this version of the source (its quoted ETag). */
  ifMatch: string;
  /** Replaces the copy's metadata: `content-type`, `content-disposition`, `x-oss-meta-*` (lower-case names). */
  headers: Record<string, string>;
}

export class OssObjectClient {
  constructor(private readonly options: OssObjectClientOptions) {}

  /** The object's metadata, or undefined when there is no such object. */
  async head(key: string): Promise<ObjectHead | undefined> {
    const answer = await this.send('HEAD', key, {});
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw failure('HeadObject', answer);
    return headOf(answer, Number(single(answer.headers['content-length'])), 'HeadObject');
  }

  /**
   * The object's metadata and its first `bytes` bytes, in one ranged GET (one round trip where HEAD then GET
   * would take two, and both describe the same version); undefined when there is no such object.
   */
  async readStart(key: string, bytes: number): Promise<{ head: ObjectHead; start: Buffer } | undefined> {
    const answer = await this.send('GET', key, { range: `bytes=0-${bytes - 1}` }, bytes);
    if (answer.status === 404) return undefined;
    // An empty object has no byte 0: OSS refuses the range. HEAD says the rest.
    if (answer.status === 416) {
      const head = await this.head(key);
      return head === undefined ? undefined : { head, start: Buffer.alloc(0) };
    }
    if (answer.status !== 200 && answer.status !== 206) throw failure('GetObject', answer);
    // 206: the total is after the slash of Content-Range; 200 (range ignored): the whole object came.
    const total =
      answer.status === 206
        ? Number(/\/(\d+)$/.exec(single(answer.headers['content-range']) ?? '')?.[1])
        : Number(single(answer.headers['content-length']));
    return { head: headOf(answer, total, 'GetObject'), start: answer.body.subarray(0, bytes) };
  }

  /** Deletes the object; deleting what is already gone succeeds, as in OSS. */
  async delete(key: string): Promise<void> {
    const answer = await this.send('DELETE', key, {});
    if (answer.status !== 204 && answer.status !== 200 && answer.status !== 404) throw failure('DeleteObject', answer);
  }

  /** Copies `sourceKey` (this bucket) to `key`; `changed` when the source is no longer the version named. */
  async copy(sourceKey: string, key: string, options: CopyOptions): Promise<'copied' | 'changed'> {
    const answer = await this.send('PUT', key, {
      'x-oss-copy-source': `/${this.options.bucket}/${encodeObjectKey(sourceKey)}`,
      'x-oss-copy-source-if-match': options.ifMatch,
      'x-oss-metadata-directive': 'REPLACE',
      ...options.headers,
    });
    if (answer.status === 412 || answer.status === 404) return 'changed';
    if (answer.status !== 200) throw failure('CopyObject', answer);
    return 'copied';
  }

  private async send(
    method: 'GET' | 'HEAD' | 'PUT' | 'DELETE',
    key: string,
    headers: Record<string, string>,
    maxBodyBytes = 4096,
  ): Promise<HttpAnswer> {
    const { bucket, region, credentials } = this.options;
    const now = (this.options.clock ?? (() => new Date()))();
    // Signed in headers by the same V4 scheme as sign-url's own OSS calls.
    const signed = v4.signRequest({
      method,
      bucket,
      region,
      key,
      subResources: {},
      query: {},
      headers,
      credentials: { ...credentials, expiration: undefined },
      now,
    });
    try {
      return await httpRequest({
        method,
        url: new URL(objectUrl(this.options.endpoint, key)),
        headers: { ...headers, ...signed, 'content-length': '0' },
        timeoutMs: this.options.timeoutMs,
        maxBodyBytes,
      });
    } catch (error) {
      if (error instanceof HttpRequestFailure) throw new OssCallFailure(method, 0, error.kind === 'timeout' ? 'Timeout' : error.message);
      throw error;
    }
  }
}

function headOf(answer: HttpAnswer, size: number, operation: string): ObjectHead {
  const header = (name: string): string | undefined => single(answer.headers[name]);
  const etag = header('etag');
  if (!Number.isSafeInteger(size) || size < 0 || etag === undefined) throw new OssCallFailure(operation, answer.status, 'MalformedAnswer');
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (name.startsWith('x-oss-meta-') && typeof value === 'string') meta[name.slice('x-oss-meta-'.length)] = value;
  }
  return {
    contentType: header('content-type') ?? 'application/octet-stream',
    size,
    etag,
    objectType: header('x-oss-object-type'),
    contentEncoding: header('content-encoding'),
    meta,
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** OSS's error code from its XML body (HEAD answers have none: the `x-oss-ec` header or the status is all). */
function failure(operation: string, answer: HttpAnswer): OssCallFailure {
  const code =
    /<Code>([A-Za-z0-9.]{1,64})<\/Code>/.exec(answer.body.toString('utf8'))?.[1] ?? single(answer.headers['x-oss-ec']) ?? 'Unknown';
  return new OssCallFailure(operation, answer.status, code);
}
