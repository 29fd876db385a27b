/** `npm test`'s runner (tools/run-stages.cjs): one line per passing stage, everything of a failing one, then stop. */
import { tmpdir } from 'node:os';

type Stage = { name: string; command: string[]; summary?: RegExp };
type RunStages = (stages: Stage[], options: { cwd: string; verbose?: boolean; write?: (text: string) => void }) => Promise<number>;

const node = (script: string): string[] => [process.execPath, '-e', script];

async function runStages(stages: Stage[]): Promise<{ code: number; printed: string }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS module npm test runs
  const module = require('../../tools/run-stages.cjs') as { runStages: RunStages };
  let printed = '';
  const code = await module.runStages(stages, { cwd: tmpdir(), write: (text) => void (printed += text) });
  return { code, printed };
}

test('passing stages print one line each (with their summary), nothing of their own output', async () => {
  const { code, printed } = await runStages([
    { name: 'first', command: node('console.log("lots of noise"); console.error("more noise")') },
    { name: 'counted', command: node('console.log("PASS a\\nTests:       3 passed, 3 total\\nTime: 1 s")'), summary: /^Tests:.*$/m },
  ]);
  expect(code).toBe(0);
  const lines = printed.trimEnd().split('\n');
  expect(lines).toHaveLength(3);
  expect(lines[0]).toMatch(/^✓ first \(\d+\.\d s\)$/);
  expect(lines[1]).toMatch(/^✓ counted: Tests: 3 passed, 3 total \(\d+\.\d s\)$/);
  expect(lines[2]).toMatch(/^all passed in \d+ s$/);
  expect(printed).not.toContain('noise');
});

test('a failing stage prints all it wrote, says it failed, and nothing after it runs', async () => {
  const { code, printed } = await runStages([
    { name: 'fine', command: node('console.log("quiet")') },
    { name: 'broken', command: node('console.log("what went wrong"); console.error("and where"); process.exit(3)') },
    { name: 'never', command: node('console.log("should not run")') },
  ]);
  expect(code).toBe(3);
  expect(printed).toContain('what went wrong');
  expect(printed).toContain('and where');
  expect(printed).toMatch(/✗ broken failed \(exit 3, \d+\.\d s\)/);
  expect(printed).not.toContain('quiet');
  expect(printed).not.toContain('never');
});

test('a command that cannot start is a failure, said', async () => {
  const { code, printed } = await runStages([{ name: 'missing', command: ['/no/such/command'] }]);
  expect(code).toBe(1);
  expect(printed).toMatch(/ENOENT[\s\S]*✗ missing failed/);
});
