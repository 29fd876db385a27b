// A page a team using Uppy would write: @uppy/core and @uppy/aws-s3 as published, plus web/uppy.ts. Bundled by
// test/browser/uppy.test.ts and served at the dev server's origin.
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import { signUrlForUppy } from '../../../web/uppy.js';

interface Outcome {
  successful: Array<{ key: unknown; uploadURL: unknown }>;
  failed: string[];
  progress: number;
}

async function runUppy(single: 'put' | 'post', multipartThreshold: number, token: string): Promise<Outcome> {
  const input = document.querySelector<HTMLInputElement>('#file')!;
  const file = input.files![0]!;
  const uppy = new Uppy();
  uppy.use(AwsS3, { ...signUrlForUppy(uppy, { endpoint: '/api/sign-url', getToken: () => token, single, multipartThreshold }), limit: 4 });
  let progress = 0;
  uppy.on('upload-progress', () => void (progress += 1));
  uppy.addFile({ name: file.name, type: file.type, data: file });
  const result = await uppy.upload();
  return {
    successful: (result?.successful ?? []).map((done) => ({
      key: (done.response?.body as { key?: unknown } | undefined)?.key,
      uploadURL: done.response?.uploadURL,
    })),
    failed: (result?.failed ?? []).map((failed) => String(failed.error)),
    progress,
  };
}

(window as unknown as { runUppy: typeof runUppy }).runUppy = runUppy;
