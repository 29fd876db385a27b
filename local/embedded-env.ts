/**
 * What embedded mode (`npm start` with no OSS_BUCKET) takes from the environment. The stack owns the bucket, the
 * region, the endpoints, the roles and the signer: they are the emulators'. Every other variable of the table is
 * honoured as in the cloud; ALLOWED_ORIGINS adds to the demo page's own origins (and so reaches the emulator's
 * bucket CORS rule); a team's own login (AUTH_JWT_SECRET or AUTH_JWKS_URL) replaces the development secret, and
 * then the dev-token endpoint is off. The report says what was taken, never a secret's value.
 */
import { CONFIG_VARIABLES, type Env, type VariableName } from '../shared/config/variables';
import { LOCAL_DEV_AUDIENCE, LOCAL_DEV_ISSUER, localEnv } from './local-account';

/** Set by the stack itself: a value in the environment is ignored, and the report says so. */
const OWNED_BY_THE_STACK: ReadonlySet<VariableName> = new Set<VariableName>([
  'OSS_BUCKET',
  'OSS_REGION',
  'OSS_ENDPOINT',
  'STS_ROLE_ARN',
  'STS_ENDPOINT',
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
]);

/** Shown with their value; every other variable (secrets, and any added later until listed here) only as "set". */
const SHOWN: ReadonlySet<string> = new Set([
  'UPLOAD_PREFIX',
  'ALLOWED_CONTENT_TYPES',
  'MAX_UPLOAD_BYTES',
  'SIGNED_URL_TTL_SECONDS',
  'SIGNATURE_VERSION',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'STS_DURATION_SECONDS',
  'STS_TIMEOUT_MS',
  'MAX_OPEN_UPLOADS_PER_USER',
  'ALLOWED_UNREADABLE_STORAGE_CLASSES',
]);

/** Development tokens are signed with the stack's own random secret, never with a team's. */
export type DevTokens =
  { kind: 'on'; secret: string; issuer: string | undefined; audience: string | undefined } | { kind: 'off'; reason: string };

export interface EmbeddedEnvironment {
  /** The functions' environment, endpoints aside (they are known once the emulators listen). */
  env: Record<string, string>;
  devTokens: DevTokens;
  /** What was taken from the environment, one line each, for `npm start` to print. */
  report: string[];
}

/** A variable counts as given when it holds more than blanks, as the configuration reader counts it. */
function givenValue(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** A value fit for one printed line: plain text as is, anything else quoted; long values cut. */
function printable(value: string): string {
  const cut = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  return /^[\x20-\x7e]*$/.test(cut) ? cut : JSON.stringify(cut);
}

function originOf(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '(not a URL)';
  }
}

export function embeddedEnvironment(given: Env, demoOrigins: readonly string[], options: { devSecret?: string } = {}): EmbeddedEnvironment {
  // The bucket, region and upload role of the local account, the development secret, the demo's origins.
  const { AUTH_JWT_SECRET: devSecret = '', ALLOWED_ORIGINS: demo = '', ...ownedValues } = localEnv(demoOrigins, options.devSecret);
  const env: Record<string, string> = {};
  const report: string[] = [];
  const ignored: string[] = [];
  for (const name of CONFIG_VARIABLES) {
    const value = givenValue(given, name);
    if (value === undefined) continue;
    if (OWNED_BY_THE_STACK.has(name)) {
      if (name !== 'OSS_BUCKET') ignored.push(name);
      continue;
    }
    env[name] = value;
    if (name === 'ALLOWED_ORIGINS') report.push(`ALLOWED_ORIGINS = ${printable(value.trim())} (added to the demo page's origins)`);
    else if (name === 'AUTH_JWKS_URL') report.push(`AUTH_JWKS_URL = ${originOf(value.trim())}`);
    else if (SHOWN.has(name)) report.push(`${name} = ${printable(value.trim())}`);
    else report.push(`${name} (set; value not shown)`);
  }

  const ownSecret = env['AUTH_JWT_SECRET'] !== undefined;
  const ownJwks = env['AUTH_JWKS_URL'] !== undefined;
  let devTokens: DevTokens;
  if (ownSecret || ownJwks) {
    // A token-minting endpoint holding a team's real secret would mint tokens its other services accept.
    devTokens = {
      kind: 'off',
      reason: ownSecret
        ? 'development tokens are off: AUTH_JWT_SECRET is your own login; sign in with it'
        : 'development tokens are off: AUTH_JWKS_URL is your own login; sign in with your identity provider',
    };
  } else {
    env['AUTH_JWT_SECRET'] = devSecret;
    // Issuer and audience as a real deployment should have them, so the functions need not warn that they are missing.
    env['AUTH_ISSUER'] ??= LOCAL_DEV_ISSUER;
    env['AUTH_AUDIENCE'] ??= LOCAL_DEV_AUDIENCE;
    devTokens = { kind: 'on', secret: devSecret, issuer: env['AUTH_ISSUER'].trim(), audience: env['AUTH_AUDIENCE'].trim() };
  }
  const userOrigins = env['ALLOWED_ORIGINS'];
  Object.assign(env, ownedValues, { ALLOWED_ORIGINS: userOrigins === undefined ? demo : `${demo},${userOrigins}` });
  if (ignored.length > 0) report.push(`ignored, the local stack sets them: ${ignored.join(', ')}`);
  return { env, devTokens, report };
}
