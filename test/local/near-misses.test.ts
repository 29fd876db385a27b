import { nearMisses } from '../../local/near-misses';
import { CONFIG_VARIABLES } from '../../shared/config/variables';

const KNOWN = [...CONFIG_VARIABLES, 'PORT', 'OSS_EMULATOR_PORT', 'STS_EMULATOR_PORT', 'OSS_EMULATOR_DATA'];

test.each([
  ['ALLOWED_ORIGIN', 'ALLOWED_ORIGINS'],
  ['AUTH_JWKS', 'AUTH_JWKS_URL'],
  ['AUTH_JWT_SECRETS', 'AUTH_JWT_SECRET'],
  ['MAX_UPLOAD_BYTE', 'MAX_UPLOAD_BYTES'],
  ['SIGNED_URL_TTL', 'SIGNED_URL_TTL_SECONDS'],
  ['UPLAOD_PREFIX', 'UPLOAD_PREFIX'],
  ['OSS_EMULATOR_PROT', 'OSS_EMULATOR_PORT'],
])('%s is probably %s', (given, meant) => {
  expect(nearMisses([given], KNOWN)).toEqual([{ given, meant }]);
});

test('known names, and names of other programs, are not near misses', () => {
  const environment = [...KNOWN, 'PATH', 'HOME', 'NODE_EXTRA_CA_CERTS', 'npm_config_cache', 'LANG', 'TERM', 'SSH_AUTH_SOCK', 'HOSTNAME'];
  expect(nearMisses(environment, KNOWN)).toEqual([]);
});
