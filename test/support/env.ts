import { loadConfig, type ConfigSection } from '../../shared/config/sections';
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

/** A configuration built by `section` from baseEnv and the overrides; throws with the problems when it is invalid. */
export function configFrom<T>(section: ConfigSection<T>, overrides: Record<string, string | undefined> = {}): T {
  const loaded = loadConfig(baseEnv(overrides), section);
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  return loaded.config;
}

/** The problems `section` finds in baseEnv with the overrides; none when it is valid. */
export function problemsFrom(section: ConfigSection<unknown>, overrides: Record<string, string | undefined> = {}): string[] {
  const loaded = loadConfig(baseEnv(overrides), section);
  return loaded.ok ? [] : loaded.problems;
}
