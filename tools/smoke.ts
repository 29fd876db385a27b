/**
 * `npm run smoke -- <sign-url URL> <sts-token URL>`: checks a deployed stack end to end as a frontend would: PUT, POST,
 * multipart through sign-url, and STS multipart; STS credentials refused outside their folder; upload-completed's
 * verdict on an upload whose bytes are not what its type says (removed, while the good uploads stay).
 * SMOKE_TOKEN is a valid JWT of a test user. SMOKE_ACCESS_KEY_ID / SMOKE_ACCESS_KEY_SECRET (/ SMOKE_SECURITY_TOKEN)
 * are a key that may read and delete in the bucket: the smoke reads each object back, compares it, then deletes it.
 */
import OSS from 'ali-oss';
import { createHash, randomBytes } from 'node:crypto';
import { samplePng } from '../local/sample-files';

interface Step {
  name: string;
  ok: boolean;
  detail: string;
}

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

async function callFunction(url: string, token: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${url} answered ${response.status} ${JSON.stringify((answer as { error?: unknown }).error ?? '')}`);
  return answer;
}

async function main(): Promise<number> {
  const [signUrl, stsUrl] = process.argv.slice(2);
  const token = process.env['SMOKE_TOKEN'];
  const adminId = process.env['SMOKE_ACCESS_KEY_ID'];
  const adminSecret = process.env['SMOKE_ACCESS_KEY_SECRET'];
  if (signUrl === undefined || stsUrl === undefined || !token || !adminId || !adminSecret) {
    console.error(
      'usage: SMOKE_TOKEN=<jwt> SMOKE_ACCESS_KEY_ID=<id> SMOKE_ACCESS_KEY_SECRET=<secret> npm run smoke -- <sign-url URL> <sts-token URL>',
    );
    return 2;
  }
  const steps: Step[] = [];
  const uploaded = new Map<string, string>(); // key → md5
  const run = async (name: string, action: () => Promise<string>): Promise<void> => {
    try {
      steps.push({ name, ok: true, detail: await action() });
    } catch (error) {
      steps.push({ name, ok: false, detail: error instanceof Error ? error.message : String(error) });
    }
  };

  await run('PUT via signed URL', async () => {
    const body = samplePng(4096);
    const signed = (await callFunction(signUrl, token, {
      filename: 'smoke.png',
      contentType: 'image/png',
      size: body.length,
      method: 'PUT',
    })) as { url: string; headers: Record<string, string>; key: string };
    const response = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body });
    if (!response.ok) throw new Error(`OSS answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    uploaded.set(signed.key, md5(body));
    return signed.key;
  });

  await run('POST form', async () => {
    const body = samplePng(4096);
    const signed = (await callFunction(signUrl, token, {
      filename: 'smoke.png',
      contentType: 'image/png',
      size: body.length,
      method: 'POST',
    })) as { url: string; fields: Record<string, string>; key: string };
    const form = new FormData();
    for (const [name, value] of Object.entries(signed.fields)) form.append(name, value);
    form.append('file', new Blob([new Uint8Array(body)], { type: 'image/png' }), 'smoke.png');
    const response = await fetch(signed.url, { method: 'POST', body: form });
    if (!response.ok) throw new Error(`OSS answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    uploaded.set(signed.key, md5(body));
    return signed.key;
  });

  await run('multipart via sign-url', async () => {
    const body = samplePng(6 * 1024 * 1024);
    const started = (await callFunction(signUrl, token, {
      method: 'MULTIPART',
      filename: 'smoke.png',
      contentType: 'image/png',
      size: body.length,
    })) as { key: string; uploadId: string; partSize: number; parts: Array<{ partNumber: number; url: string }> };
    const parts = await Promise.all(
      started.parts.map(async ({ partNumber, url }) => {
        const chunk = body.subarray((partNumber - 1) * started.partSize, partNumber * started.partSize);
        const response = await fetch(url, { method: 'PUT', body: new Uint8Array(chunk) });
        if (!response.ok)
          throw new Error(`OSS answered ${response.status} to part ${partNumber}: ${(await response.text()).slice(0, 300)}`);
        return { partNumber, etag: response.headers.get('etag') ?? '' };
      }),
    );
    await callFunction(signUrl, token, { method: 'COMPLETE', key: started.key, uploadId: started.uploadId, parts, size: body.length });
    uploaded.set(started.key, md5(body));
    return `${started.key} (${parts.length} parts)`;
  });

  let bucketOptions: OSS.Options | undefined;
  let stsClient: OSS | undefined;
  let stsPrefix = '';
  await run('STS multipart upload', async () => {
    const answer = await callFunction(stsUrl, token, {});
    bucketOptions = {
      bucket: String(answer['bucket']),
      region: String(answer['region']),
      endpoint: String(answer['endpoint']),
      cname: true,
      secure: answer['secure'] === true,
      authorizationV4: true,
    } as OSS.Options;
    const client = new OSS(answer as unknown as OSS.Options);
    stsClient = client;
    stsPrefix = String(answer['prefix']);
    // A real PNG: upload-completed, when deployed, removes what is not what its type says.
    const body = samplePng(250 * 1024);
    const key = `${String(answer['prefix'])}smoke/${Date.now()}-${randomBytes(6).toString('hex')}.png`;
    await client.multipartUpload(key, body, { partSize: 100 * 1024, mime: 'image/png' });
    uploaded.set(key, md5(body));
    return `${key} (3 parts)`;
  });

  await run('STS credentials refused outside their folder', async () => {
    if (stsClient === undefined) throw new Error('no STS credentials (the STS step failed)');
    // The user's own prefix but outside its sts/ folder, and another user's folder beside it.
    const userPrefix = stsPrefix.replace(/sts\/$/, '');
    const outside = [
      `${userPrefix}outside-sts-${randomBytes(4).toString('hex')}.png`,
      `${userPrefix.replace(/[^/]+\/$/, '')}someone-else/sts/x.png`,
    ];
    for (const key of outside) {
      const refused = await stsClient.put(key, samplePng(1024), { mime: 'image/png' }).then(
        () => false,
        (error: unknown) => (error as { status?: unknown }).status === 403,
      );
      if (!refused) {
        uploaded.set(key, ''); // cleaned up below
        throw new Error(`a write to ${key} was not refused with 403`);
      }
    }
    return `${outside.length} writes refused with 403`;
  });

  let admin: OSS | undefined;
  if (bucketOptions !== undefined) {
    admin = new OSS({
      ...bucketOptions,
      accessKeyId: adminId,
      accessKeySecret: adminSecret,
      ...(process.env['SMOKE_SECURITY_TOKEN'] ? { stsToken: process.env['SMOKE_SECURITY_TOKEN'] } : {}),
    });
  }

  await run("upload-completed's verdict: bytes that are not what their type says are removed", async () => {
    if (admin === undefined) throw new Error('no bucket to look in (the STS step failed)');
    const body = Buffer.from('<!doctype html><html><body>not a picture</body></html>');
    const signed = (await callFunction(signUrl, token, {
      filename: 'smoke.png',
      contentType: 'image/png',
      size: body.length,
      method: 'PUT',
    })) as {
      url: string;
      headers: Record<string, string>;
      key: string;
    };
    const response = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body });
    if (!response.ok) throw new Error(`OSS answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    const waitMs = Number(process.env['SMOKE_VERDICT_TIMEOUT_MS'] ?? 60_000);
    const deadline = Date.now() + waitMs;
    const stillThere = (): Promise<boolean> =>
      admin.head(signed.key).then(
        () => true,
        (error: unknown) => {
          if ((error as { status?: unknown }).status === 404) return false;
          throw error;
        },
      );
    while (await stillThere()) {
      if (Date.now() > deadline) {
        await admin.delete(signed.key);
        throw new Error(`${signed.key} was still there after ${waitMs} ms: is upload-completed deployed, and its trigger on?`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return `${signed.key} removed`;
  });

  if (admin !== undefined) {
    const client = admin;
    for (const [key, expected] of uploaded) {
      await run(`read back ${key}`, async () => {
        const { content } = (await client.get(key)) as { content: Buffer };
        if (md5(content) !== expected) throw new Error('content differs from what was uploaded');
        return `${content.length} bytes, MD5 matches`;
      });
      await run(`delete ${key}`, async () => {
        await client.delete(key);
        return 'deleted';
      });
    }
  }

  for (const step of steps) console.log(`${step.ok ? 'ok  ' : 'FAIL'}  ${step.name}: ${step.detail}`);
  const failed = steps.filter((step) => !step.ok).length;
  console.log(`${steps.length - failed} passed, ${failed} failed`);
  return failed === 0 && uploaded.size === 4 ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
