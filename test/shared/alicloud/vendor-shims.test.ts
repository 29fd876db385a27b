/** The SDK substitutes bundled into sts-token (their end-to-end proof is test/functions/sts-token/bundle.test.ts). */
import { readFileSync } from 'node:fs';
import StaticCredential, { Config } from '../../../shared/alicloud/vendor/alicloud-static-credentials';
import createDebug from '../../../shared/alicloud/vendor/debug-off';
import * as isTypeOf from '../../../shared/alicloud/vendor/is-type-of-signutils';
import teaXml from '../../../shared/alicloud/vendor/tea-xml-unused';

test('static credentials answer exactly what openapi-client reads, for access_key and sts', async () => {
  const sts = new StaticCredential(new Config({ type: 'sts', accessKeyId: 'STS.id', accessKeySecret: 'secret', securityToken: 'token' }));
  await expect(sts.getCredential()).resolves.toEqual({
    accessKeyId: 'STS.id',
    accessKeySecret: 'secret',
    securityToken: 'token',
    type: 'sts',
    providerName: '',
  });
  await expect(sts.getSecurityToken()).resolves.toBe('token');
  const keys = new StaticCredential(new Config({ type: 'access_key', accessKeyId: 'LTAI-id', accessKeySecret: 'secret' }));
  await expect(keys.getAccessKeyId()).resolves.toBe('LTAI-id');
  expect(keys.getType()).toBe('access_key');
});

test('any other credential kind is refused loudly rather than half-supported', () => {
  for (const type of ['bearer', 'ecs_ram_role', 'oidc_role_arn', undefined]) {
    expect(() => new StaticCredential(new Config({ type }))).toThrow('only access_key and sts');
  }
});

test('an XML answer is refused', () => {
  expect(() => teaXml.parseXml()).toThrow('does not parse');
});

test('debug loggers are off: httpx sees enabled false, and a call writes nothing', () => {
  const writes = jest.spyOn(process.stderr, 'write');
  const log = createDebug('httpx:body');
  expect(log.enabled).toBe(false);
  expect(log.namespace).toBe('httpx:body');
  log('%s', 'AccessKeySecret: must-never-appear');
  expect(writes).not.toHaveBeenCalled();
  writes.mockRestore();
});

test('is-type-of: ali-oss signing helpers ask only is.string and is.array, and get the real package verdicts', () => {
  const source = readFileSync(require.resolve('ali-oss/lib/common/signUtils'), 'utf8');
  expect(source).toContain("const is = require('is-type-of');");
  expect(new Set([...source.matchAll(/\bis\.(\w+)/g)].map((match) => match[1]))).toEqual(new Set(['string', 'array']));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the real package, to compare verdicts
  const real = require('is-type-of') as { string(value: unknown): boolean; array(value: unknown): boolean };
  const values: unknown[] = [
    '',
    'a',
    new String('a'),
    1,
    null,
    undefined,
    [],
    [1],
    { length: 0 },
    new Uint8Array(1),
    Buffer.from('a'),
    () => 1,
  ];
  for (const value of values) {
    expect(isTypeOf.string(value)).toBe(real.string(value));
    expect(isTypeOf.array(value)).toBe(real.array(value));
  }
});
