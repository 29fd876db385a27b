/**
 * Every function, once. The dev server, `npm run policies`, the deployment tests and the bench loop over this
 * list; adding a function is a folder, a line here and its s.yaml resource.
 */
import type { FunctionManifest } from './manifest';
import { signUrlManifest } from './sign-url/manifest';
import { stsTokenManifest } from './sts-token/manifest';
import { uploadCompletedManifest } from './upload-completed/manifest';

export const FUNCTIONS: readonly FunctionManifest[] = [signUrlManifest, stsTokenManifest, uploadCompletedManifest];
