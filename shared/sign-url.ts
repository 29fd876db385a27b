/** The `sign-url` use case: a validated request for one upload in, a signed PUT URL or POST form out. */
import type { FunctionDefinition } from './http';
import type { Config } from './config';
import { signatureLifetimeSeconds, signerCredentials } from './credentials';
import type { Identity } from './identity';
import { objectKeyFor } from './keys';
import { signPostUpload, signPutUpload, type SignedPostUpload, type SignedPutUpload } from './oss-signing';
import { parseUploadRequest, uploadRulesFor } from './rules';

export function signUpload(input: {
  identity: Identity;
  body: unknown;
  config: Config;
  context: unknown;
  now: Date;
}): SignedPutUpload | SignedPostUpload {
  const { identity, body, config, context, now } = input;
  const rules = uploadRulesFor(identity, config);
  const upload = parseUploadRequest(body, rules);
  const credentials = signerCredentials(context, config.fallbackCredentials);
  const signingInput = {
    rules,
    key: objectKeyFor(rules.prefix, upload.filename, now),
    contentType: upload.contentType,
    credentials,
    now,
    lifetimeSeconds: signatureLifetimeSeconds(rules.ttlSeconds, credentials, now),
    version: config.signatureVersion,
  };
  return upload.method === 'POST' ? signPostUpload(signingInput) : signPutUpload(signingInput);
}

/** What the `sign-url` entry point hands to the FC edge; tests build handlers from the same definition. */
export const signUrlFunction: FunctionDefinition = {
  name: 'sign-url',
  requireSts: false,
  handle: (input) => {
    const upload = signUpload(input);
    return { body: upload, logKey: upload.key };
  },
};
