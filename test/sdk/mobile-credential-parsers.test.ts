/**
 * sts-token's app-server answer, fetched over HTTP from the local stack as the mobile SDKs fetch it (GET), fed to
 * parsers written to the Android and iOS SDKs' published parsing rules (test/support/mobile-sdk-parsers.ts): both
 * must read exactly the credentials STS issued and their expiry. The parsers themselves are held to the rules first,
 * so that a drift of ours (a renamed field, a string where a number was, fractional seconds, an offset) fails here.
 */
import { startDevStack, type DevStack } from '../../local/dev-stack';
import { registerAnswer } from '../support/log-capture';
import { callFunction, devToken } from '../support/local-stack-client';
import {
  androidExpirationSeconds,
  androidParse,
  androidStockProvider,
  iosExpirationSeconds,
  iosParse,
  usableSeconds,
  type ParsedToken,
} from '../support/mobile-sdk-parsers';

const NOW = Math.floor(Date.parse('2026-11-28T10:20:00Z') / 1000);
const GOOD = {
  StatusCode: 200,
  AccessKeyId: 'STS.example-key-id',
  AccessKeySecret: 'example-secret-of-the-test',
  SecurityToken: 'example-security-token-of-the-test',
  Expiration: '2026-11-28T10:35:00Z',
};
const EXPECTED: ParsedToken = {
  accessKeyId: GOOD.AccessKeyId,
  accessKeySecret: GOOD.AccessKeySecret,
  securityToken: GOOD.SecurityToken,
  expirationSeconds: Math.floor(Date.parse(GOOD.Expiration) / 1000),
};

/** What both SDKs make of an answer: the token each would use, or why it would not. */
function bothRead(answer: unknown): { android: unknown; ios: unknown } {
  const body = JSON.stringify(answer);
  return { android: androidParse(body, NOW), ios: iosParse(body) };
}

describe('the parsers follow the SDKs’ published rules', () => {
  test('Alibaba’s documented shape is read alike by both, StatusCode as a number or a numeric string', () => {
    expect(bothRead(GOOD)).toEqual({ android: { token: EXPECTED }, ios: { token: EXPECTED } });
    expect(bothRead({ ...GOOD, StatusCode: '200' })).toEqual({ android: { token: EXPECTED }, ios: { token: EXPECTED } });
    expect(usableSeconds(EXPECTED, NOW)).toBe(600); // 15 minutes, less the 5 both SDKs keep in hand
  });

  test('the date rules: Android reads a prefix as UTC (30 s on failure); iOS needs the whole yyyy-MM-ddTHH:mm:ssZ', () => {
    const at = EXPECTED.expirationSeconds;
    expect(androidExpirationSeconds('2026-11-28T10:35:00Z', NOW)).toBe(at);
    expect(androidExpirationSeconds('2026-11-28T10:35:00.123Z', NOW)).toBe(at);
    expect(androidExpirationSeconds('2026-11-28T18:35:00+08:00', NOW)).toBe(at + 8 * 3600); // the offset is ignored
    expect(androidExpirationSeconds('1764326100', NOW)).toBe(NOW + 30);
    expect(iosExpirationSeconds('2026-11-28T10:35:00Z')).toBe(at);
    expect(iosExpirationSeconds('2026-11-28T18:35:00+0800')).toBe(at);
    expect(iosExpirationSeconds('2026-11-28T18:35:00+08:00')).toBe(at);
    expect(iosExpirationSeconds('2026-11-28T10:35:00.123Z')).toBe(0);
    expect(iosExpirationSeconds('2026-11-28T10:35:00')).toBe(0);
    expect(iosExpirationSeconds('2026-02-30T10:35:00Z')).toBe(0);
  });

  test.each<[string, unknown, (read: { android: unknown; ios: unknown }) => void]>([
    [
      'a field renamed (accessKeyId)',
      { ...GOOD, AccessKeyId: undefined, accessKeyId: GOOD.AccessKeyId },
      ({ android, ios }) => {
        expect(android).toEqual({ clientException: 'org.json.JSONException: No value for AccessKeyId' });
        expect(ios).toEqual({ crash: 'AccessKeyId is not an NSString' });
      },
    ],
    [
      'StatusCode missing',
      { ...GOOD, StatusCode: undefined },
      ({ android, ios }) => {
        expect(android).toEqual({ clientException: 'org.json.JSONException: No value for StatusCode' });
        expect(ios).toEqual({ nil: true });
      },
    ],
    [
      'StatusCode not numeric',
      { ...GOOD, StatusCode: 'OK' },
      ({ android, ios }) => {
        expect(android).toEqual({ clientException: expect.stringContaining('cannot be converted to int') });
        expect(ios).toEqual({ nil: true });
      },
    ],
    [
      'StatusCode null',
      { ...GOOD, StatusCode: null },
      ({ ios }) => expect(ios).toEqual({ crash: '-[NSNull intValue]: unrecognized selector' }),
    ],
    [
      'fractional seconds in Expiration',
      { ...GOOD, Expiration: '2026-11-28T10:35:00.000Z' },
      ({ android, ios }) => {
        expect(android).toEqual({ token: EXPECTED });
        expect(ios).toEqual({ token: { ...EXPECTED, expirationSeconds: 0 } }); // refetched before every request
      },
    ],
    [
      'an offset instead of Z',
      { ...GOOD, Expiration: '2026-11-28T18:35:00+08:00' },
      ({ android }) => expect(android).toEqual({ token: { ...EXPECTED, expirationSeconds: EXPECTED.expirationSeconds + 8 * 3600 } }),
    ],
    [
      'the secret as a number',
      { ...GOOD, AccessKeySecret: 12345 },
      ({ android, ios }) => {
        expect(android).toEqual({ token: { ...EXPECTED, accessKeySecret: '12345' } });
        expect(ios).toEqual({ crash: 'AccessKeySecret is not an NSString' });
      },
    ],
    [
      'a 200 with the error fields',
      { StatusCode: 200, ErrorCode: 'x', ErrorMessage: 'y' },
      ({ android, ios }) => {
        expect(android).toEqual({ clientException: 'org.json.JSONException: No value for AccessKeyId' });
        expect(ios).toEqual({ crash: 'AccessKeyId is not an NSString' });
      },
    ],
    [
      'the answer wrapped in an array',
      [GOOD],
      ({ android, ios }) => {
        expect(android).toEqual({ clientException: 'org.json.JSONException: Value cannot be converted to JSONObject' });
        expect(ios).toEqual({ crash: '-[__NSArrayI objectForKey:]: unrecognized selector' });
      },
    ],
  ])('a drift is caught: %s', (_name, answer, check) => {
    const read = bothRead(answer);
    check(read);
    // Whatever else happens, neither SDK ends up with the right credentials for the right time.
    expect([read.android, read.ios]).not.toEqual([{ token: EXPECTED }, { token: EXPECTED }]);
  });

  test('errors: Android’s stock provider never reads an error body (HTTP ≥ 400); a provider reading it gets ErrorCode and ErrorMessage; iOS gets nil', () => {
    const body = JSON.stringify({ StatusCode: 401, ErrorCode: 'Unauthorized', ErrorMessage: 'token has expired' });
    expect(androidStockProvider(401, body, NOW)).toEqual({
      clientException: 'java.io.IOException: Server returned HTTP response code: 401',
    });
    expect(androidParse(body, NOW)).toEqual({ clientException: 'ErrorCode: Unauthorized| ErrorMessage: token has expired' });
    expect(iosParse(body)).toEqual({ nil: true });
    expect(androidParse(JSON.stringify({ StatusCode: 401 }), NOW)).toEqual({
      clientException: 'org.json.JSONException: No value for ErrorCode',
    });
  });
});

describe('sts-token’s real answer, fetched by GET from the local stack', () => {
  let stack: DevStack;
  beforeAll(async () => {
    stack = await startDevStack({ port: 0, ossPort: 0, stsPort: 0 });
  });
  afterAll(() => stack.close());

  const fetchAppServer = async (token: string | undefined): Promise<{ status: number; body: string }> => {
    const response = await fetch(`${stack.url}/api/sts-token?format=app-server`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    const body = await response.text();
    registerAnswer(JSON.parse(body));
    return { status: response.status, body };
  };

  test('both SDKs read the credentials STS issued and their expiry, to the second, with 10 minutes of use before they refetch', async () => {
    const token = await devToken(stack, 'wren');
    const { status, body } = await fetchAppServer(token);
    expect(status).toBe(200);
    // The same user's default answer carries the same cached credentials.
    const plain = (await callFunction(stack, 'sts-token', token)).answer as Record<string, string>;
    const now = Math.floor(Date.now() / 1000);
    const truth: ParsedToken = {
      accessKeyId: plain['accessKeyId']!,
      accessKeySecret: plain['accessKeySecret']!,
      securityToken: plain['securityToken']!,
      expirationSeconds: Math.floor(Date.parse(plain['expiration']!) / 1000),
    };
    expect(androidStockProvider(status, body, now)).toEqual({ token: truth });
    expect(iosParse(body)).toEqual({ token: truth });
    expect(usableSeconds(truth, now)).toBeGreaterThan(590);
  });

  test('a refusal reaches them as an error, never as credentials', async () => {
    const { status, body } = await fetchAppServer(undefined);
    expect(status).toBe(401);
    expect(androidStockProvider(status, body, NOW)).toEqual({ clientException: expect.stringContaining('401') });
    expect(androidParse(body, NOW)).toEqual({ clientException: 'ErrorCode: Unauthorized| ErrorMessage: missing bearer token' });
    expect(iosParse(body)).toEqual({ nil: true });
  });
});
