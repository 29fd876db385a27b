/** The two SDK substitutes bundled into sts-token (their end-to-end proof is test/functions/sts-token-bundle.test.ts). */
import StaticCredential, { Config } from '../../../shared/alicloud/vendor/alicloud-static-credentials';
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
