import { allowPolicy, allUsersPattern } from '../../deploy/policies';
import { objectResource } from '../../shared/upload/session-policy';
import type { FunctionManifest } from '../manifest';
import { signUrlFunction } from './sign-upload';

/** Exactly what sign-url's role may do on the upload prefix. */
export const SIGN_URL_ACTIONS = ['oss:PutObject', 'oss:ListParts', 'oss:AbortMultipartUpload'];

export const signUrlManifest: FunctionManifest = {
  name: 'sign-url',
  route: '/api/sign-url',
  roleVariable: 'SIGN_URL_FUNCTION_ROLE_ARN',
  // It signs uploads with its own role's keys, under every user's prefix, and runs multipart uploads itself:
  // PutObject covers initiate, part and complete; listing and aborting are separate actions.
  rolePolicy: (config) => allowPolicy(SIGN_URL_ACTIONS, [objectResource(config.bucket, allUsersPattern(config))]),
  create: () => signUrlFunction,
  exampleRequest: { filename: 'cat.png', contentType: 'image/png', size: 1000 },
};
