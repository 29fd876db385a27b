/**
 * Every byte the code under test writes during the suite (stdout, stderr, console, and the output of the
 * servers tests start) is appended to .test-logs/, and every secret, token and signature the tests issue or
 * receive is registered there too. tools/scan-test-logs.mjs, run after jest by `npm test`, then proves that
 * no registered secret ever appears in a log.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const LOG_DIR = join(__dirname, '..', '..', '.test-logs');
const logFile = join(LOG_DIR, `output-${process.pid}.log`);
const issuedFile = join(LOG_DIR, `issued-${process.pid}.txt`);

export function captureOutput(text: string): void {
  mkdirSync(LOG_DIR, { recursive: true });
  appendFileSync(logFile, text.endsWith('\n') ? text : `${text}\n`);
}

/** A value that must never be logged. Short values are ignored: they would match by chance. */
export function registerIssued(...values: Array<string | undefined | null>): void {
  const lines = values
    .filter((value): value is string => typeof value === 'string' && value.length >= 12)
    .map((value) => Buffer.from(value).toString('base64'));
  if (lines.length === 0) return;
  mkdirSync(LOG_DIR, { recursive: true });
  appendFileSync(issuedFile, `${lines.join('\n')}\n`);
}

/** Registers the secret parts of any answer of ours: credentials, security tokens, signatures, policies. */
export function registerAnswer(answer: unknown): void {
  if (typeof answer !== 'object' || answer === null) return;
  const record = answer as Record<string, unknown>;
  registerIssued(
    // The default answers' names, then sts-token's app-server format's.
    ...['accessKeySecret', 'securityToken', 'stsToken', 'token', 'AccessKeySecret', 'SecurityToken'].map((name) =>
      typeof record[name] === 'string' ? record[name] : undefined,
    ),
  );
  if (typeof record['url'] === 'string' && record['url'].includes('?')) {
    const query = new URL(record['url']).searchParams;
    registerIssued(query.get('x-oss-signature'), query.get('Signature'), query.get('x-oss-security-token'), query.get('security-token'));
  }
  const fields = record['fields'];
  if (typeof fields === 'object' && fields !== null) {
    const f = fields as Record<string, string>;
    registerIssued(f['x-oss-signature'], f['Signature'], f['policy'], f['x-oss-security-token']);
  }
}

let installed = false;
/** Tees process.stdout, process.stderr and console into the capture, leaving their behaviour as it was. */
export function installCapture(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = (chunk: unknown, ...rest: unknown[]) => {
      captureOutput(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : String(chunk));
      return write(chunk, ...rest);
    };
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      captureOutput(args.map((arg) => (typeof arg === 'string' ? arg : (JSON.stringify(arg) ?? String(arg)))).join(' '));
      original(...args);
    };
  }
}
