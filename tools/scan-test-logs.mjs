// After jest: no secret, token or signature the tests issued may appear in anything written during the suite.
// Prints counts only: a hit is reported by the file it was found in, never by its value.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('../.test-logs', import.meta.url).pathname;
if (!existsSync(dir)) {
  console.error('scan-test-logs: no .test-logs folder: the capture did not run');
  process.exit(1);
}
const files = readdirSync(dir);
const issued = new Set(
  files
    .filter((name) => name.startsWith('issued-'))
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n'))
    .filter((line) => line !== '')
    .map((line) => Buffer.from(line, 'base64').toString()),
);
const logs = files.filter((name) => name.startsWith('output-')).map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
// Classes of secret recognised by shape, whether or not a test registered them.
const patterns = [
  ['a JWT', /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/],
  ['a V4 URL signature', /x-oss-signature=[0-9a-f]{64}/],
  // Either case: sts-token's default answer and its app-server format (`AccessKeySecret`, `SecurityToken`).
  ['an accessKeySecret field', /"[Aa]ccessKeySecret"\s*:\s*"[^"]+"/],
  ['a securityToken field', /"(securityToken|stsToken|SecurityToken)"\s*:\s*"[^"]+"/],
];
let hits = 0;
for (const log of logs) {
  for (const secret of issued) {
    if (log.text.includes(secret)) {
      hits += 1;
      console.error(`scan-test-logs: a registered secret (${secret.length} characters) appears in ${log.name}`);
    }
  }
  for (const [what, pattern] of patterns) {
    if (pattern.test(log.text)) {
      hits += 1;
      console.error(`scan-test-logs: ${what} appears in ${log.name}`);
    }
  }
}
const bytes = logs.reduce((sum, log) => sum + log.text.length, 0);
console.log(`scan-test-logs: ${issued.size} issued secrets checked against ${logs.length} logs (${bytes} bytes): ${hits} found`);
process.exit(hits === 0 && issued.size > 0 && logs.length > 0 ? 0 : 1);
