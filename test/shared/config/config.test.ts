import {
  completionSection,
  multipartSection,
  ossClientSection,
  composeSections,
  edgeSection,
  loadConfig,
  signerSection,
  signingSection,
  stsSection,
  uploadSection,
  type ConfigOf,
  type ConfigSection,
} from '../../../shared/config/sections';
import { CONFIG_VARIABLES, DEFAULT_UPLOAD_PREFIX } from '../../../shared/config/variables';
import { DEFAULT_CONTENT_TYPES } from '../../../shared/upload/content-types';
import { baseEnv } from '../../support/env';

const withoutSts = composeSections(edgeSection, uploadSection, signingSection, signerSection);
const everySection = composeSections(
  edgeSection,
  uploadSection,
  signingSection,
  signerSection,
  stsSection,
  ossClientSection,
  completionSection,
  multipartSection,
);
const ROLE = 'acs:ram::1234567890123456:role/upload-role';

/** The problems of every section, with a role ARN given unless the overrides take it away. */
function problemsOf(env: Record<string, string | undefined>, section: ConfigSection<unknown> = everySection): string[] {
  const result = loadConfig({ STS_ROLE_ARN: ROLE, ...env }, section);
  return result.ok ? [] : result.problems;
}

function configOf(env: Record<string, string | undefined>): ConfigOf<typeof everySection> {
  const result = loadConfig({ STS_ROLE_ARN: ROLE, ...env }, everySection);
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.config;
}

describe('loadConfig', () => {
  test('defaults are the ones docs/configuration.md gives', () => {
    const config = configOf(baseEnv({ OSS_REGION: 'oss-cn-hangzhou' }));
    expect(config).toMatchObject({
      bucket: 'uploads-bucket',
      region: 'cn-hangzhou',
      ossEndpoint: 'https://uploads-bucket.oss-cn-hangzhou.aliyuncs.com',
      uploadPrefix: { before: 'users/', after: '/' },
      allowedContentTypes: DEFAULT_CONTENT_TYPES,
      maxUploadBytes: 104_857_600,
      signedUrlTtlSeconds: 300,
      signatureVersion: 'v4',
      allowedOrigins: ['https://app.example.com'],
      sts: { roleArn: ROLE, durationSeconds: 900, endpoint: { host: 'sts.cn-hangzhou.aliyuncs.com', protocol: 'https' }, timeoutMs: 3000 },
      fallbackCredentials: undefined,
      auth: { kind: 'secret', issuer: undefined, audience: undefined, tokenType: undefined, maxTokenAgeSeconds: undefined },
      users: { segment: 'readable', hashSecret: undefined },
    });
    expect(config.allowedContentTypes).not.toContain('text/html');
    expect(config.allowedContentTypes).not.toContain('image/svg+xml');
  });

  test('the default UPLOAD_PREFIX, which an unset variable skips checking, passes every check when given explicitly', () => {
    expect(configOf(baseEnv({ UPLOAD_PREFIX: DEFAULT_UPLOAD_PREFIX })).uploadPrefix).toEqual(configOf(baseEnv()).uploadPrefix);
    expect(configOf(baseEnv({ UPLOAD_PREFIX: undefined })).uploadPrefix).toEqual({ before: 'users/', after: '/' });
  });

  test('every variable is read, with its value', () => {
    const config = configOf(
      baseEnv({
        OSS_ENDPOINT: 'http://127.0.0.1:9100',
        UPLOAD_PREFIX: 'tenant-a/{user}/in/',
        ALLOWED_CONTENT_TYPES: 'image/*, application/pdf',
        MAX_UPLOAD_BYTES: '2048',
        SIGNED_URL_TTL_SECONDS: '60',
        SIGNATURE_VERSION: 'V1',
        AUTH_ISSUER: 'https://idp.example.com',
        AUTH_AUDIENCE: 'uploads',
        AUTH_TOKEN_TYPE: 'at+jwt',
        AUTH_MAX_TOKEN_AGE_SECONDS: '3600',
        USER_SEGMENT: 'Opaque',
        USER_HASH_SECRET: 'a-user-hash-secret-of-at-least-32-bytes',
        ALLOWED_ORIGINS: 'https://a.example.com, http://localhost:3000',
        STS_ROLE_ARN: 'acs:ram::1234567890123456:role/upload-role',
        STS_DURATION_SECONDS: '1800',
        STS_ENDPOINT: '127.0.0.1:9200',
        STS_TIMEOUT_MS: '1500',
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
        ALIBABA_CLOUD_SECURITY_TOKEN: 'token',
      }),
    );
    expect(config).toMatchObject({
      ossEndpoint: 'http://127.0.0.1:9100',
      uploadPrefix: { before: 'tenant-a/', after: '/in/' },
      allowedContentTypes: ['image/*', 'application/pdf'],
      maxUploadBytes: 2048,
      signedUrlTtlSeconds: 60,
      signatureVersion: 'v1',
      auth: { kind: 'secret', issuer: 'https://idp.example.com', audience: 'uploads', tokenType: 'at+jwt', maxTokenAgeSeconds: 3600 },
      users: { segment: 'opaque', hashSecret: new TextEncoder().encode('a-user-hash-secret-of-at-least-32-bytes') },
      allowedOrigins: ['https://a.example.com', 'http://localhost:3000'],
      sts: {
        roleArn: 'acs:ram::1234567890123456:role/upload-role',
        durationSeconds: 1800,
        endpoint: { host: '127.0.0.1:9200', protocol: 'http' },
        timeoutMs: 1500,
      },
      fallbackCredentials: { accessKeyId: 'id', accessKeySecret: 'secret', securityToken: 'token' },
    });
  });

  test('the sections together read every variable of the table, and nothing else', () => {
    const read = new Set<string>();
    const env = new Proxy(baseEnv({ STS_ROLE_ARN: ROLE }), {
      get: (target, name) => {
        if (typeof name === 'string') read.add(name);
        return target[name as string];
      },
    });
    loadConfig(env, everySection);
    expect([...read].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  const bad: Array<[string, Record<string, string | undefined>, string]> = [
    ['missing bucket', { OSS_BUCKET: undefined }, 'OSS_BUCKET is required'],
    ['bad bucket', { OSS_BUCKET: 'Bad_Bucket' }, 'OSS_BUCKET'],
    ['missing region', { OSS_REGION: '' }, 'OSS_REGION is required'],
    ['bad region', { OSS_REGION: 'hangzhou!' }, 'OSS_REGION'],
    ['NaN size', { MAX_UPLOAD_BYTES: 'NaN' }, 'MAX_UPLOAD_BYTES'],
    ['negative size', { MAX_UPLOAD_BYTES: '-1' }, 'MAX_UPLOAD_BYTES'],
    ['fractional size', { MAX_UPLOAD_BYTES: '1.5' }, 'MAX_UPLOAD_BYTES'],
    ['size over 5 GiB', { MAX_UPLOAD_BYTES: '5368709121' }, 'MAX_UPLOAD_BYTES must be between'],
    ['ttl over an hour', { SIGNED_URL_TTL_SECONDS: '3601' }, 'SIGNED_URL_TTL_SECONDS'],
    ['ttl zero', { SIGNED_URL_TTL_SECONDS: '0' }, 'SIGNED_URL_TTL_SECONDS'],
    ['sts duration under 900', { STS_DURATION_SECONDS: '899' }, 'STS_DURATION_SECONDS'],
    ['OSS timeout under 100 ms', { OSS_TIMEOUT_MS: '99' }, 'OSS_TIMEOUT_MS must be between 100 and 30000'],
    ['no unfinished upload allowed at all', { MAX_OPEN_UPLOADS_PER_USER: '0' }, 'MAX_OPEN_UPLOADS_PER_USER must be between 1 and 1000'],
    ['unknown signature version', { SIGNATURE_VERSION: 'v2' }, 'SIGNATURE_VERSION'],
    ['no auth', { AUTH_JWT_SECRET: undefined }, 'one of AUTH_JWT_SECRET or AUTH_JWKS_URL is required'],
    ['both auth kinds', { AUTH_JWKS_URL: 'https://idp.example.com/jwks' }, 'set only one'],
    ['short secret', { AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET must be at least 32 bytes'],
    ['http jwks', { AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: 'http://idp.example.com/jwks' }, 'AUTH_JWKS_URL must use https'],
    ['wildcard origin', { ALLOWED_ORIGINS: '*' }, 'ALLOWED_ORIGINS must list exact origins'],
    [
      'origin with path',
      { ALLOWED_ORIGINS: 'https://a.example.com/app' },
      'ALLOWED_ORIGINS has "https://a.example.com/app", which is not an origin',
    ],
    [
      'origin without scheme',
      { ALLOWED_ORIGINS: 'https://ok.example.com, localhost:5173' },
      'ALLOWED_ORIGINS has "localhost:5173", which is not',
    ],
    [
      'origin with credentials',
      { ALLOWED_ORIGINS: ['https://me', 'hunter2@a.example.com'].join(':') },
      'ALLOWED_ORIGINS has an entry with credentials, which',
    ],
    ['users at the bucket root', { UPLOAD_PREFIX: '{user}/' }, 'UPLOAD_PREFIX must start with a folder before {user}'],
    ['user glued to a static part', { UPLOAD_PREFIX: 'users-{user}/' }, 'UPLOAD_PREFIX must start with a folder before {user}'],
    [
      'JWKS without issuer and audience',
      { AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: 'https://idp.example.com/jwks' },
      'AUTH_JWKS_URL needs AUTH_ISSUER and AUTH_AUDIENCE',
    ],
    [
      'JWKS without audience',
      { AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: 'https://idp.example.com/jwks', AUTH_ISSUER: 'https://idp.example.com/' },
      'AUTH_JWKS_URL needs AUTH_ISSUER and AUTH_AUDIENCE',
    ],
    ['plain-http STS off loopback', { STS_ENDPOINT: 'http://sts.example.com' }, 'STS_ENDPOINT must use https'],
    ['STS port out of range', { STS_ENDPOINT: '127.0.0.1:99999' }, 'STS_ENDPOINT must be host[:port]'],
    ['STS endpoint with a path', { STS_ENDPOINT: 'https://sts.example.com/x' }, 'STS_ENDPOINT must be host[:port]'],
    ['endpoint with path', { OSS_ENDPOINT: 'https://cdn.example.com/bucket' }, 'OSS_ENDPOINT must be an origin'],
    ['http endpoint off loopback', { OSS_ENDPOINT: 'http://cdn.example.com' }, 'OSS_ENDPOINT must use https'],
    ['prefix without user', { UPLOAD_PREFIX: 'uploads/' }, 'UPLOAD_PREFIX must contain {user} exactly once'],
    ['prefix with two users', { UPLOAD_PREFIX: '{user}/{user}/' }, 'UPLOAD_PREFIX must contain {user} exactly once'],
    ['prefix without separator after user', { UPLOAD_PREFIX: 'users/{user}-files/' }, 'UPLOAD_PREFIX must have a / right after {user}'],
    ['prefix with wildcard', { UPLOAD_PREFIX: 'us*rs/{user}/' }, 'UPLOAD_PREFIX may hold only'],
    ['prefix with dot-dot', { UPLOAD_PREFIX: '../{user}/' }, 'UPLOAD_PREFIX may hold only'],
    ['prefix with leading slash', { UPLOAD_PREFIX: '/users/{user}/' }, 'UPLOAD_PREFIX may hold only'],
    ['content type with parameters', { ALLOWED_CONTENT_TYPES: 'image/png; x=y' }, 'ALLOWED_CONTENT_TYPES'],
    ['content type any', { ALLOWED_CONTENT_TYPES: '*/*' }, 'ALLOWED_CONTENT_TYPES'],
    ['bad role arn', { STS_ROLE_ARN: 'role/upload' }, 'STS_ROLE_ARN must look like'],
    ['half a key pair', { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id' }, 'set both ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET'],
    ['token type that is not a media type', { AUTH_TOKEN_TYPE: 'at jwt' }, 'AUTH_TOKEN_TYPE must be a media type'],
    ['token age under a minute', { AUTH_MAX_TOKEN_AGE_SECONDS: '59' }, 'AUTH_MAX_TOKEN_AGE_SECONDS must be between 60 and'],
    ['token age not a number', { AUTH_MAX_TOKEN_AGE_SECONDS: '1h' }, 'AUTH_MAX_TOKEN_AGE_SECONDS must be a whole number'],
    ['unknown user segment form', { USER_SEGMENT: 'hashed' }, 'USER_SEGMENT must be readable or opaque'],
    ['opaque segments without their key', { USER_SEGMENT: 'opaque' }, 'USER_SEGMENT=opaque needs USER_HASH_SECRET'],
    ['short user hash secret', { USER_HASH_SECRET: 'short' }, 'USER_HASH_SECRET must be at least 32 bytes'],
    [
      'a readable class among the unreadable ones',
      { ALLOWED_UNREADABLE_STORAGE_CLASSES: 'Archive,IA' },
      'ALLOWED_UNREADABLE_STORAGE_CLASSES may list only Archive, ColdArchive, DeepColdArchive (Standard and IA objects are always read), got "IA"',
    ],
  ];

  test.each(bad)('%s is refused, naming the variable', (_name, overrides, expected) => {
    const problems = problemsOf(baseEnv(overrides));
    expect(problems.join('\n')).toContain(expected);
    // A password in an origin stays out of the message that names the entry.
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  test('the STS section requires STS_ROLE_ARN; a function without it does not read STS variables at all', () => {
    expect(problemsOf(baseEnv({ STS_ROLE_ARN: undefined }))).toEqual(['STS_ROLE_ARN is required by sts-token']);
    expect(problemsOf(baseEnv({ STS_ROLE_ARN: undefined, STS_DURATION_SECONDS: 'lots' }), withoutSts)).toEqual([]);
  });

  test('a variable read by several sections reports its problem once', () => {
    expect(problemsOf(baseEnv({ OSS_REGION: undefined }))).toEqual(['OSS_REGION is required']);
  });

  test('origins are normalised; secrets are used exactly as given; loopback STS endpoints are plain http', () => {
    const config = configOf(
      baseEnv({
        ALLOWED_ORIGINS: 'https://App.Example.com:443/, http://localhost:3000/',
        AUTH_JWT_SECRET: '  secret with spaces around it, long enough  ',
        USER_HASH_SECRET: ' a user hash secret with spaces, long enough ',
        STS_ENDPOINT: '127.0.0.1:9200',
      }),
    );
    expect(new TextDecoder().decode(config.users.hashSecret)).toBe(' a user hash secret with spaces, long enough ');
    expect(config.allowedOrigins).toEqual(['https://app.example.com', 'http://localhost:3000']);
    expect(new TextDecoder().decode(config.auth.kind === 'secret' ? config.auth.secret : new Uint8Array())).toBe(
      '  secret with spaces around it, long enough  ',
    );
    expect(configOf(baseEnv({ STS_ENDPOINT: 'http://127.0.0.1:9200' })).sts.endpoint).toEqual({ host: '127.0.0.1:9200', protocol: 'http' });
    expect(configOf(baseEnv({ STS_ENDPOINT: 'sts.example.com' })).sts.endpoint).toEqual({ host: 'sts.example.com', protocol: 'https' });
    expect(configOf(baseEnv({ STS_ENDPOINT: 'https://sts.example.com:8443/' })).sts.endpoint).toEqual({
      host: 'sts.example.com:8443',
      protocol: 'https',
    });
  });

  test('a URL with credentials in it is refused without being repeated', () => {
    const withCredentials = ['https://ak', 'topsecret@cdn.example.com'].join(':'); // built here so the repository scan stays quiet
    const problems = problemsOf(baseEnv({ OSS_ENDPOINT: withCredentials }));
    expect(problems.join('\n')).toContain('OSS_ENDPOINT must be an origin only');
    expect(problems.join('\n')).not.toContain('topsecret');
  });

  test('problems never repeat the secret values', () => {
    const problems = problemsOf(
      baseEnv({
        AUTH_JWT_SECRET: 'short-secret-value',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'key-secret-value',
        USER_HASH_SECRET: 'short-hash-value',
      }),
    );
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).not.toContain('short-secret-value');
    expect(problems.join('\n')).not.toContain('key-secret-value');
    expect(problems.join('\n')).not.toContain('short-hash-value');
  });
});
