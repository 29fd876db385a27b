/** FC 3.0 HTTP-trigger events as the runtime delivers them: a Buffer of JSON. */
import { randomUUID } from 'node:crypto';
import { buildHttpEvent, type HttpEventInput } from '../../shared/edge/fc-event';
import { registerAnswer, registerIssued } from './log-capture';

/** As `buildHttpEvent`, with an object body sent as JSON and a public caller's address. */
export function fcEvent(input: Omit<HttpEventInput, 'body'> & { body?: string | Buffer | object } = {}): Buffer {
  const { body, ...rest } = input;
  return buildHttpEvent({
    sourceIp: '203.0.113.7',
    domainName: 'sign-url-abc.cn-hangzhou.fcapp.run',
    ...rest,
    ...(body === undefined ? {} : { body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) }),
  });
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
