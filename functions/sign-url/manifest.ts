import type { HttpFunctionManifest } from '../manifest';
import { signUrlFunction } from './sign-upload';

/** Exactly what sign-url's role may do on the upload prefix. */
export const SIGN_URL_ACTIONS = ['oss:PutObject', 'oss:ListParts', 'oss:AbortMultipartUpload', 'oss:GetObject'];

export const signUrlManifest: HttpFunctionManifest = {
  name: 'sign-url',
  route: '/api/sign-url',
  // It signs uploads with its own role's keys, under every user's prefix, and runs multipart uploads itself:
  // PutObject covers initiate, part and complete; listing and aborting are separate actions. None of its requests
  // can make an object public. It counts a user's unfinished uploads before starting one: ListMultipartUploads is
  // an action on the bucket (only ever asked with the user's prefix; OSS documents oss:Prefix for ListObjects, not
  // for it, so no condition is set that OSS might not evaluate). It answers VERDICT from upload-completed's records,
  // and tells a pending upload from an unknown key by the object's metadata (HEAD, which OSS grants with
  // oss:GetObject: no narrower action exists; sign-url never reads the bytes). With a profile quota, it lists the
  // user's folder of the profile before granting an upload (ListObjects, confined by oss:Prefix), unless the user's
  // usage record, which it reads, says there is room.
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
