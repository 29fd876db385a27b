import type { OssFunctionManifest } from '../manifest';
import { createUploadCompletedFunction } from './judge-upload';

/** The smallest valid PNG header and chunk, for the bench's one event. */
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

export const uploadCompletedManifest: OssFunctionManifest = {
  name: 'upload-completed',
  trigger: 'oss',
  // Every way an object comes to exist (a multipart upload only at its completion; a symlink or an append is
  // rejected by the verdict).
  events: [
    'oss:ObjectCreated:PutObject',
    'oss:ObjectCreated:PostObject',
    'oss:ObjectCreated:CompleteMultipartUpload',
    'oss:ObjectCreated:CopyObject',
    'oss:ObjectCreated:AppendObject',
    'oss:ObjectCreated:PutSymlink',
  ],
  // HEAD and ranged GET (both oss:GetObject) and delete in the users' folder. In the quarantine (when there is one):
  // write the copy, and read its metadata back, so that a retry after the move repeats the exact verdict. In the
  // verdicts' folder: write each verdict for the uploader, and read it back on a retry. With a profile quota: list the
  // user's folder of the profile once an object has landed, and write what it counted to the user's usage record.
  permissions: {
    allow: [
      { actions: ['oss:GetObject', 'oss:DeleteObject'], resource: 'uploads' },
      { actions: ['oss:PutObject', 'oss:GetObject'], resource: 'quarantine' },
      { actions: ['oss:PutObject', 'oss:GetObject'], resource: 'verdicts' },
      { actions: ['oss:ListObjects'], resource: 'quota-listing' },
      { actions: ['oss:PutObject'], resource: 'usage-records' },
    ],
  },
  create: () => createUploadCompletedFunction(),
  exampleObject: { user: 'bench', path: '2026/11/bench.png', contentType: 'image/png', body: PNG },
};
