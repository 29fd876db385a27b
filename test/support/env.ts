import { TEST_JWT_SECRET } from './tokens';

/** The smallest valid configuration for sign-url, with the fallback signer keys of a local run. */
export function baseEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    OSS_BUCKET: 'uploads-bucket',
    OSS_REGION: 'cn-hangzhou',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    ALLOWED_ORIGINS: 'https://app.example.com',
    ...overrides,
  };
}
