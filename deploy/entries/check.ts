/**
 * `npm run deploy:check` (also the stack's pre-deploy action in s.yaml): the offline check, run in the folder of
 * s.yaml. Reads the deployer's environment and, under it, a `.env` file beside s.yaml (as `s` does: the environment
 * wins; a variable the file gives twice is refused, `dot-env.ts`); writes the ROS template only when everything passes, and prints the plan. `-- --deployer-policy` prints
 * the deployer's own minimal RAM policy instead.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as util from 'node:util';
import { runCheck, TEMPLATE_PATH } from '../check';
import { deployerPolicy } from '../deployer-policy';
import { readDotEnv } from '../dot-env';

function main(): number {
  const root = process.cwd();
  const dotEnv = join(root, '.env');
  // util.parseEnv reads .env as Node's --env-file does (from Node 20.12).
  const parseEnv = (util as { parseEnv?: (content: string) => Record<string, string> }).parseEnv;
  if (existsSync(dotEnv) && parseEnv === undefined) {
    process.stderr.write(
      `deploy check: reading .env needs Node 20.12 or later (this is ${process.version}); export its variables instead\n`,
    );
    return 2;
  }
  const fromFile = existsSync(dotEnv) && parseEnv !== undefined ? readDotEnv(readFileSync(dotEnv, 'utf8'), parseEnv) : undefined;
  const env = { ...fromFile?.values, ...process.env };
  const result = runCheck({
    env,
    sYaml: readFileSync(join(root, 's.yaml'), 'utf8'),
    fc3Schema: JSON.parse(readFileSync(join(root, 'deploy', 'vendor', 'fc3-props.schema.json'), 'utf8')) as object,
  });
  const problems = [...(fromFile?.problems ?? []), ...result.problems];
  const templateFile = join(root, TEMPLATE_PATH);
  if (problems.length > 0 || result.template === undefined || result.scope === undefined) {
    rmSync(templateFile, { force: true }); // never leave a template s could deploy from an older, valid run
    process.stderr.write(`deploy check: ${problems.length} problem(s), nothing written:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }
  for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
  // Warnings come first and again after the plan, whose length would otherwise scroll them away.
  const warn = (): void => result.warnings.forEach((warning) => process.stderr.write(`warning: ${warning}\n`));
  warn();
  if (process.argv.includes('--deployer-policy')) {
    process.stdout.write(`${JSON.stringify(deployerPolicy(result.scope), null, 2)}\n`);
    return 0;
  }
  mkdirSync(dirname(templateFile), { recursive: true });
  writeFileSync(templateFile, `${JSON.stringify(result.template, null, 2)}\n`);
  process.stdout.write(`${result.plan}\n\ndeploy check passed; template written to ${TEMPLATE_PATH}\n`);
  if (result.warnings.length > 0) {
    process.stdout.write('\n');
    warn();
  }
  return 0;
}

process.exitCode = main();
