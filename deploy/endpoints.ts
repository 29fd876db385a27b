/**
 * What `s deploy` prints last: the function URLs, and the exact lines a frontend and a mobile app set, read from the
 * fc3 steps' outputs (`url.system_url`, the HTTP trigger's public URL).
 */
export interface Endpoints {
  signUrl: string | undefined;
  stsToken: string | undefined;
  bucket: string;
  region: string;
}

/** The URL an fc3 deploy output gives for its HTTP trigger. */
export function systemUrl(output: unknown): string | undefined {
  const url = (output as { url?: { system_url?: unknown } } | undefined)?.url?.system_url;
  return typeof url === 'string' && /^https?:\/\//.test(url) ? url : undefined;
}

export function endpointLines(endpoints: Endpoints): string[] {
  const signUrl = endpoints.signUrl ?? '<not found: run `s sign-url info`>';
  const stsToken = endpoints.stsToken ?? '<not found: run `s sts-token info`>';
  return [
    'Deployed. Function URLs:',
    `  sign-url   ${signUrl}`,
    `  sts-token  ${stsToken}`,
    '',
    'A web frontend sets (web/upload-client.ts, docs/frontend.md):',
    `  const SIGN_URL_FUNCTION_URL = '${signUrl}';`,
    `  const STS_TOKEN_FUNCTION_URL = '${stsToken}';`,
    'A mobile app sets (its StsTokenProvider and OSS client, docs/mobile-and-other-languages.md):',
    `  stsTokenUrl = "${stsToken}"`,
    `  endpoint = "https://oss-${endpoints.region}.aliyuncs.com", bucket = "${endpoints.bucket}"`,
    '',
    'Check the deployment end to end (docs/deploy.md, "Smoke test"):',
    `  SMOKE_TOKEN=<a test user's JWT> SMOKE_ACCESS_KEY_ID=<id> SMOKE_ACCESS_KEY_SECRET=<secret> npm run smoke -- ${signUrl} ${stsToken}`,
  ];
}
