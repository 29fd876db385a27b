// `npm test`: every stage in turn, quiet on success (one line each), everything a stage printed when it fails.
// VERBOSE=1 shows every stage's output as it runs.
import { join } from 'node:path';
import { runStages } from './run-stages.cjs';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);

const code = await runStages(
  [
    { name: 'test tools (Debian packages)', command: ['bash', join(root, 'tools', 'ensure-test-tools.sh')] },
    { name: 'format (prettier)', command: [bin('prettier'), '--check', '.'] },
    { name: 'types (tsc)', command: [bin('tsc'), '--noEmit', '-p', 'tsconfig.json'] },
    { name: 'lint (eslint, type-aware)', command: [bin('eslint'), '.'] },
    { name: 'secret scan (secretlint)', command: [bin('secretlint'), '**/*'] },
    { name: 'build', command: [process.execPath, join(root, 'tools', 'build.mjs')] },
    { name: 'tests (jest)', command: [bin('jest')], summary: /^Tests:.*$/m },
    { name: 'log scan (no secret in test output)', command: [process.execPath, join(root, 'tools', 'scan-test-logs.mjs')] },
    { name: 'bench (--quick)', command: [process.execPath, join(root, 'dist', 'tools', 'bench.js'), '--quick'] },
  ],
  { cwd: root, verbose: process.env['VERBOSE'] === '1' },
);
process.exit(code);
