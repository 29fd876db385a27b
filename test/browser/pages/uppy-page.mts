// A page a team using Uppy would write: @uppy/core and @uppy/aws-s3 as published, plus web/uppy.ts. Bundled by
// test/browser/uppy.test.ts and served at the dev server's origin.
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import GoldenRetriever from '@uppy/golden-retriever';
import { goldenRetrieverOptions, signUrlForUppy } from '../../../web/uppy.js';

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

// A page that keeps its Uppy between steps, for the tests that fail, retry and reload: tokens come from the dev
// server each time (a restarted stack signs with a new secret), and Golden Retriever is installed when asked for.
interface Session {
  uppy: Uppy;
  partsDone: number;
  failed: string[];
  successful: unknown[];
}

declare global {
  interface Window {
    session?: Session;
  }
}

async function openUppy(multipartThreshold: number, goldenRetriever: 'none' | 'defaults' | 'adapter'): Promise<void> {
  const getToken = async (): Promise<string> => ((await (await fetch('/api/dev-token?user=yara')).json()) as { token: string }).token;
  const uppy = new Uppy({ id: 'uppy-test' });
  uppy.use(AwsS3, { ...signUrlForUppy(uppy, { endpoint: '/api/sign-url', getToken, multipartThreshold }), limit: 4 });
  if (goldenRetriever !== 'none') uppy.use(GoldenRetriever, goldenRetriever === 'adapter' ? goldenRetrieverOptions() : {});
  const session: Session = { uppy, partsDone: 0, failed: [], successful: [] };
  uppy.on('s3-multipart:part-uploaded', () => void (session.partsDone += 1));
  uppy.on('upload-error', (_file, error) => void session.failed.push(String(error)));
  uppy.on('upload-success', (_file, response) => void session.successful.push((response.body as { key?: unknown } | undefined)?.key));
  window.session = session;
}

function addAndUpload(): void {
  const file = document.querySelector<HTMLInputElement>('#file')!.files![0]!;
  window.session!.uppy.addFile({ name: file.name, type: file.type, data: file });
  void window.session!.uppy.upload();
}

function restoredFiles(): Array<{ name: string | undefined; ghost: boolean; multipart: boolean }> {
  return window.session!.uppy.getFiles().map((file) => ({
    name: file.name,
    ghost: file.isGhost === true,
    multipart: (file as { s3Multipart?: unknown }).s3Multipart !== undefined,
  }));
}

Object.assign(window, {
  openUppy,
  addAndUpload,
  restoredFiles,
  retryAll: () => void window.session!.uppy.retryAll(),
  // What Uppy's Dashboard does when the user accepts the restored files.
  confirmRestore: () => window.session!.uppy.emit('restore-confirmed'),
});
