/** The `sign-url` use case: a validated request for one upload in, a signed PUT URL or POST form out. */
import { signatureLifetimeSeconds, signerCredentials } from '../../shared/alicloud/access-key';
import { composeSections, edgeSection, type ConfigOf, signerSection, signingSection, uploadSection } from '../../shared/config/sections';
import type { SignUrlAnswer } from '../../shared/contract';
import type { FunctionDefinition, HandleInput } from '../../shared/edge/handler';
import { extensionFor } from '../../shared/upload/extensions';
import { objectKeyWithExtension } from '../../shared/upload/keys';
import { randomObjectId } from '../../shared/upload/random-id';
import { parseUploadRequest, uploadRulesFromConfig } from '../../shared/upload/rules';
import { signPostUpload, signPutUpload } from '../../shared/upload/signed-upload';

export const signUrlConfig = composeSections(edgeSection, uploadSection, signingSection, signerSection);
export type SignUrlConfig = ConfigOf<typeof signUrlConfig>;

export function signUpload(input: Omit<HandleInput<SignUrlConfig>, 'request'>): SignUrlAnswer {
  const { identity, config, context, now } = input;
  const rules = uploadRulesFromConfig(identity, config);
  const upload = parseUploadRequest(input.input, rules);
  const credentials = signerCredentials(context, config.fallbackCredentials);
  const signingInput = {
    rules,
    key: objectKeyWithExtension(rules.prefix, extensionFor(upload.contentType, upload.filename), now, randomObjectId()),
    contentType: upload.contentType,
    credentials,
    now,
    lifetimeSeconds: signatureLifetimeSeconds(rules.ttlSeconds, credentials, now),
    version: config.signatureVersion,
  };
  return upload.method === 'PUT' ? signPutUpload({ ...signingInput, size: upload.size }) : signPostUpload(signingInput);
}

/** What the entry point hands to the FC edge; the dev server and the tests build handlers from it too. */
export const signUrlFunction: FunctionDefinition<SignUrlConfig> = {
  name: 'sign-url',
  config: signUrlConfig,
  handle: (input) => {
    const answer = signUpload(input);
    return { answer, logKey: answer.key };
  },
};
