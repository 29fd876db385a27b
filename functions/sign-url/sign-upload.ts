/**
 * The `sign-url` use case: a validated request for one upload in, a signed PUT URL or POST form out; the steps of
 * a multipart upload (`MULTIPART`, `PARTS`, `COMPLETE`, `ABORT`) are `multipart.ts`, and the verdict on an upload
 * (`VERDICT`) is `verdict.ts`.
 */
import { signatureLifetimeSeconds, signerCredentials } from '../../shared/alicloud/access-key';
import {
  composeSections,
  edgeSection,
  type ConfigOf,
  multipartSection,
  ossClientSection,
  signerSection,
  signingSection,
  uploadSection,
  verdictSection,
} from '../../shared/config/sections';
import type { AnswerFor, UploadMethod } from '../../shared/contract';
import type { FunctionDefinition, HandleInput } from '../../shared/edge/handler';
import { parseSignUrlRequest } from '../../shared/upload/requests';
import { uploadRulesFromConfig, type UploadRequest, type UploadRules } from '../../shared/upload/rules';
import { signPostUpload, signPutUpload } from '../../shared/upload/signed-upload';
import { issueObjectKey } from './issue-key';
import { runMultipartStep } from './multipart';
import { answerVerdict } from './verdict';

export const signUrlConfig = composeSections(
  edgeSection,
  uploadSection,
  signingSection,
  signerSection,
  ossClientSection,
  multipartSection,
  verdictSection,
);
export type SignUrlConfig = ConfigOf<typeof signUrlConfig>;

export function signUpload(
  input: Omit<HandleInput<SignUrlConfig>, 'request' | 'input'>,
  rules: UploadRules,
  upload: UploadRequest,
): AnswerFor<UploadMethod> {
  const { config, context, now } = input;
  const credentials = signerCredentials(context, config.fallbackCredentials);
  const signingInput = {
    rules,
    key: issueObjectKey(rules.prefix, upload, now),
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
    const rules = uploadRulesFromConfig(input.identity, input.config);
    const command = parseSignUrlRequest(input.input, rules);
    if (command.method === 'PUT' || command.method === 'POST') {
      const answer = signUpload(input, rules, command.upload);
      return { answer, logKey: answer.key };
    }
    if (command.method === 'VERDICT') return answerVerdict(input, rules, command.key);
    return runMultipartStep(input, rules, command);
  },
};
