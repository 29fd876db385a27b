import type { HttpFunctionManifest } from '../manifest';
import { signUrlFunction } from './sign-upload';

/**
 * Exactly what sign-url's role may do on the upload prefix: write, list and abort parts. Never read: no oss:GetObject
 * on the users' folder, so its keys cannot fetch anyone's files.
 */
export const SIGN_URL_ACTIONS = ['oss:PutObject', 'oss:ListParts', 'oss:AbortMultipartUpload'];

export const signUrlManifest: HttpFunctionManifest = {
  name: 'sign-url',
  route: '/api/sign-url',
  // It signs uploads with its own role's keys, under every user's prefix, and runs multipart uploads itself:
  // PutObject covers initiate, part and complete; listing and aborting are separate actions. None of its requests
  // can make an object public. It counts a user's unfinished uploads before starting one: ListMultipartUploads is
  // an action on the bucket (only ever asked with the user's prefix; OSS documents oss:Prefix for ListObjects, not
  // for it, so no condition is set that OSS might not evaluate). It answers VERDICT from upload-completed's records,
  // and tells a pending upload from an unknown key by listing that key (ListObjects with the key as prefix, confined
  // by oss:Prefix to the users' folder; a HEAD would need oss:GetObject, which reads every user's files). With a
  // profile quota, the same listing counts the user's folder of the profile before granting an upload, unless the
  // user's usage record, which it reads, says there is room.
  permissions: {
    allow: [
      { actions: SIGN_URL_ACTIONS, resource: 'uploads' },
      { actions: ['oss:ListMultipartUploads'], resource: 'bucket' },
      { actions: ['oss:GetObject'], resource: 'verdicts' },
      { actions: ['oss:ListObjects'], resource: 'uploads-listing' },
      { actions: ['oss:GetObject'], resource: 'usage-records' },
    ],
    deny: [{ refuse: 'public-object-acl', resource: 'uploads' }],
  },
  create: () => signUrlFunction,
  exampleRequest: { filename: 'cat.png', contentType: 'image/png', size: 1000 },
};
