import { allowPolicy, allUsersPattern } from '../../deploy/policies';
import { objectResource } from '../../shared/upload/session-policy';
import { denyPublicObjectAcl } from '../../shared/upload/stored-object';
import type { HttpFunctionManifest } from '../manifest';
import { signUrlFunction } from './sign-upload';

/** Exactly what sign-url's role may do on the upload prefix. */
export const SIGN_URL_ACTIONS = ['oss:PutObject', 'oss:ListParts', 'oss:AbortMultipartUpload'];

export const signUrlManifest: HttpFunctionManifest = {
  name: 'sign-url',
  route: '/api/sign-url',
  roleVariable: 'SIGN_URL_FUNCTION_ROLE_ARN',
  // It signs uploads with its own role's keys, under every user's prefix, and runs multipart uploads itself:
  // PutObject covers initiate, part and complete; listing and aborting are separate actions. None of its requests
  // can make an object public.
  rolePolicy: (config) => {
    const uploads = [objectResource(config.bucket, allUsersPattern(config))];
    const policy = allowPolicy(SIGN_URL_ACTIONS, uploads);
    return { ...policy, Statement: [...policy.Statement, denyPublicObjectAcl(uploads)] };
  },
  create: () => signUrlFunction,
  exampleRequest: { filename: 'cat.png', contentType: 'image/png', size: 1000 },
};
