/**
 * Memory before authentication, on the built bundles: FC accepts 32 MB request bodies, our functions take 16 KiB of
 * JSON. A 32 MB event with no token must be refused by its size, before it is parsed or decoded, so the instance's
 * peak RSS stays where it was (the review measured 86 MB → 251 MB on a 128 MB function before this was so).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyBuiltFunction } from '../support/built-function';
import { baseEnv } from '../support/env';

const EVENT_BYTES = 32 * 1024 * 1024;

/** Runs in a fresh node with the bundle alone: one small request first (so lazy start-up is not counted), then the big ones. */
const RUNNER = `
const { handler } = require('./index.js');
const SIZE = ${EVENT_BYTES};
/** A valid FC HTTP-trigger event of exactly SIZE bytes, written straight into one Buffer (no 32 MB string on our side). */
function bigEvent(base64) {
  const fields = { version: 'v1', rawPath: '/', isBase64Encoded: base64, headers: { 'content-type': 'application/json' },
    queryParameters: {}, requestContext: { requestId: 'big', http: { method: 'POST', path: '/' } } };
  const head = Buffer.from(JSON.stringify(fields).slice(0, -1) + ',"body":"');
  const room = SIZE - head.length - 2;
  const bodyLength = base64 ? room - (room % 4) : room; // whole base64 quanta; JSON allows the spaces after
  const event = Buffer.alloc(SIZE, ' ');
  head.copy(event);
  event.fill(base64 ? 'QUFB' : 'a', head.length, head.length + bodyLength);
  event.write('"}', head.length + bodyLength);
  return event;
}
const small = Buffer.from(JSON.stringify({ version: 'v1', rawPath: '/', body: '{}', isBase64Encoded: false,
  headers: { 'content-type': 'application/json' }, queryParameters: {}, requestContext: { requestId: 's', http: { method: 'POST', path: '/' } } }));
(async () => {
  const statuses = [(await handler(small, { requestId: 's' })).statusCode];
  const events = [bigEvent(true), bigEvent(false)];
  const baselineKb = process.resourceUsage().maxRSS;
  for (const event of events) statuses.push((await handler(event, { requestId: 'big' })).statusCode);
  const peakKb = process.resourceUsage().maxRSS;
  require('fs').writeFileSync('result.json', JSON.stringify({ statuses, baselineKb, peakKb }));
})();
`;

function runBundle(name: string): { statuses: number[]; baselineKb: number; peakKb: number; logs: string } {
  const folder = copyBuiltFunction(name);
  writeFileSync(join(folder, 'run.js'), RUNNER);
  const env = { PATH: process.env['PATH'] ?? '', NODE_PATH: '', ...baseEnv({ STS_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload' }) };
  const logs = execFileSync(process.execPath, ['run.js'], { cwd: folder, env: env, encoding: 'utf8' });
  return {
    ...(JSON.parse(readFileSync(join(folder, 'result.json'), 'utf8')) as { statuses: number[]; baselineKb: number; peakKb: number }),
    logs,
  };
}

test.each(['sign-url', 'sts-token'])(
  '%s bundle: two 32 MB events with no token (base64 and text) → 413, peak RSS within 8 MiB of before',
  (name) => {
    const { statuses, baselineKb, peakKb, logs } = runBundle(name);
    expect(statuses).toEqual([401, 413, 413]);
    expect((peakKb - baselineKb) / 1024).toBeLessThan(8);
    // The refusals are logged like any other answer: one line each, status and code.
    const lines = logs
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { status?: number; errorCode?: string; reason?: string });
    expect(
      lines.filter((line) => line.status !== undefined).map((line) => `${line.status} ${line.errorCode} ${line.reason ?? ''}`),
    ).toEqual(['401 Unauthorized missing_token', '413 PayloadTooLarge ', '413 PayloadTooLarge ']);
  },
  60_000,
);
