/** FC 3.0 HTTP-trigger events as the runtime delivers them: a Buffer of JSON. */
import { randomUUID } from 'node:crypto';
import { registerAnswer, registerIssued } from './log-capture';

export interface EventInput {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer | object;
  isBase64Encoded?: boolean;
  query?: Record<string, string>;
}

export function fcEvent(input: EventInput = {}): Buffer {
  const method = input.method ?? 'POST';
  let body = '';
  let isBase64Encoded = input.isBase64Encoded ?? false;
  if (Buffer.isBuffer(input.body)) {
    body = input.body.toString('base64');
    isBase64Encoded = true;
  } else if (typeof input.body === 'string') {
    body = input.body;
  } else if (input.body !== undefined) {
    body = JSON.stringify(input.body);
  }
  const requestId = randomUUID();
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: input.path ?? '/',
      body,
      isBase64Encoded,
      headers: input.headers ?? {},
      queryParameters: input.query ?? {},
      requestContext: {
        accountId: '1234567890123456',
        domainName: 'sign-url-abc.cn-hangzhou.fcapp.run',
        requestId,
        time: new Date().toUTCString(),
        timeEpoch: String(Date.now()),
        http: { method, path: input.path ?? '/', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'jest' },
      },
    }),
  );
}

export interface FcTestContext {
  requestId: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken: string };
  function: { name: string; handler: string; memory: number; timeout: number };
  region: string;
  accountId: string;
}

export function fcContext(credentials: FcTestContext['credentials']): FcTestContext {
  registerIssued(credentials.accessKeySecret, credentials.securityToken);
  return {
    requestId: randomUUID(),
    credentials,
    function: { name: 'sign-url', handler: 'index.handler', memory: 128, timeout: 10 },
    region: 'cn-hangzhou',
    accountId: '1234567890123456',
  };
}

export interface FcResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** The parsed answer; whatever secret it carries is registered so the suite's logs are checked for it. */
export function jsonOf(response: FcResponse): Record<string, unknown> {
  const answer = JSON.parse(response.body) as Record<string, unknown>;
  registerAnswer(answer);
  return answer;
}
