/**
 * A client that does what a hostile STS holder can do and ali-oss cannot: send any key OSS accepts, byte for byte
 * (dot segments, `%`, control characters), with any upload header. Signed from the rules in docs/oss-facts.md by
 * `oss-spec.ts`, sent with node:http (a WHATWG URL would resolve `..` and address another object).
 */
import { request } from 'node:http';
import { rfc3986, timestampOf, v4CanonicalRequest, v4Signature } from './oss-spec';

export interface RawCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string | undefined;
}

export interface RawRequest {
  /** `http://127.0.0.1:<port>`: requests go custom-domain style, `/<key>`. */
  endpoint: string;
  bucket: string;
  region: string;
  credentials: RawCredentials;
  method: 'PUT' | 'POST' | 'GET' | 'DELETE';
  key: string;
  query?: Record<string, string | null>;
  headers?: Record<string, string>;
  body?: Buffer;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One V4 header-signed request to exactly `/<key>`. */
export async function rawOssRequest(input: RawRequest): Promise<RawAnswer> {
  const timestamp = timestampOf(Math.floor(Date.now() / 1000));
  const body = input.body ?? Buffer.alloc(0);
  const headers: Record<string, string> = {
    ...input.headers,
    'x-oss-date': timestamp,
    'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
    ...(input.credentials.securityToken === undefined ? {} : { 'x-oss-security-token': input.credentials.securityToken }),
  };
  const query = input.query ?? {};
  const canonical = v4CanonicalRequest({
    method: input.method,
    bucket: input.bucket,
    key: input.key,
    query,
    headers,
    additionalHeaders: [],
  });
  const signature = v4Signature(input.credentials.accessKeySecret, input.region, timestamp, canonical);
  const day = timestamp.slice(0, 8);
  headers['authorization'] =
    `OSS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${day}/${input.region}/oss/aliyun_v4_request,Signature=${signature}`;
  headers['content-length'] = String(body.length);
  const search = Object.entries(query)
    .map(([name, value]) => (value === null ? rfc3986(name) : `${rfc3986(name)}=${rfc3986(value)}`))
    .join('&');
  const path = `/${input.key.split('/').map(rfc3986).join('/')}${search === '' ? '' : `?${search}`}`;
  const url = new URL(input.endpoint);
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: url.hostname, port: url.port, method: input.method, path, headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () =>
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
