/**
 * The deploy guide's own steps keep the offline check green: the variables of docs/deploy.md (for JWKS and for
 * HS256), exported and written to `.env` exactly as its blocks say, pass `npm run deploy:check` (the built command,
 * in a copy of the folder `s` runs in), which writes the template and prints the plan without a secret.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerIssued } from '../support/log-capture';

const root = join(__dirname, '..', '..');
const guide = readFileSync(join(root, 'docs', 'deploy.md'), 'utf8');
const checkScript = join(root, 'dist', 'deploy', 'check.js');

/** The guide's blocks marked `# deploy-env: <name>`: what they export, and what they append to .env. */
function guideBlock(name: string): { exported: Record<string, string>; dotEnv: string[] } {
  const block = [...guide.matchAll(/```sh\n\s*# deploy-env: ([a-z0-9]+)\n([\s\S]*?)```/g)].find((match) => match[1] === name)?.[2];
  if (block === undefined) throw new Error(`docs/deploy.md has no block "# deploy-env: ${name}"`);
  // What a shell would run: the generated secrets, and a real value for a placeholder the reader fills in.
  const expand = (value: string): string =>
    value
      .replace(/\$\(openssl rand -base64 32\)/g, () => randomBytes(32).toString('base64'))
      .replace(/<[^>]+>/g, () => randomBytes(24).toString('hex'));
  const exported: Record<string, string> = {};
  const dotEnv: string[] = [];
  for (const line of block.split('\n').map((text) => text.trim())) {
    const exportMatch = /^export ([A-Z0-9_]+)=(\S+)$/.exec(line);
    // Appended only when .env has no line for the variable yet, so the block can be run again (a bare `echo >> .env`
    // would add a second value, which the check refuses).
    const appendMatch = /^grep -qs '\^([A-Z0-9_]+)=' \.env \|\| echo "(([A-Z0-9_]+)=.*)" >> \.env$/.exec(line);
    if (exportMatch !== null) exported[exportMatch[1]!] = expand(exportMatch[2]!);
    else if (appendMatch !== null && appendMatch[1] === appendMatch[3]) dotEnv.push(expand(appendMatch[2]!));
    else if (line !== '') throw new Error(`docs/deploy.md, block ${name}: a line this test cannot follow: ${line}`);
  }
  return { exported, dotEnv };
}

function followGuide(auth: 'jwks' | 'hs256'): { env: Record<string, string>; dotEnv: string[] } {
  const parts = ['common', auth, 'secrets'].map(guideBlock);
  return {
    env: Object.assign({}, ...parts.map((part) => part.exported)) as Record<string, string>,
    dotEnv: parts.flatMap((part) => part.dotEnv),
  };
}

/** The folder `s deploy` runs in, as far as the check reads it: s.yaml, the fc3 schema, .env. */
function workFolder(dotEnv: readonly string[]): string {
  const folder = mkdtempSync(join(tmpdir(), 'deploy-guide-'));
  copyFileSync(join(root, 's.yaml'), join(folder, 's.yaml'));
  mkdirSync(join(folder, 'deploy', 'vendor'), { recursive: true });
  copyFileSync(join(root, 'deploy', 'vendor', 'fc3-props.schema.json'), join(folder, 'deploy', 'vendor', 'fc3-props.schema.json'));
  if (dotEnv.length > 0) writeFileSync(join(folder, '.env'), `${dotEnv.join('\n')}\n`);
  return folder;
}

const run = (folder: string, env: Record<string, string>, args: string[] = []): ReturnType<typeof spawnSync> =>
  spawnSync(process.execPath, [checkScript, ...args], { cwd: folder, env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' });

test.each(['jwks', 'hs256'] as const)(
  'followed for %s, the guide passes the offline check; the template is written, no secret printed',
  (auth) => {
    const { env, dotEnv } = followGuide(auth);
    expect(dotEnv.length).toBeGreaterThan(0); // the secrets go to .env, which the check reads as s does
    const folder = workFolder(dotEnv);
    try {
      const result = run(folder, env);
      expect([result.status, result.stderr]).toEqual([0, '']);
      expect(result.stdout).toContain('deploy check passed; template written to ./dist/deploy/ros-template.json');
      const template = JSON.parse(readFileSync(join(folder, 'dist', 'deploy', 'ros-template.json'), 'utf8')) as {
        Resources: Record<string, { Type: string }>;
      };
      expect(Object.values(template.Resources).filter((resource) => resource.Type === 'ALIYUN::RAM::Role')).toHaveLength(5);
      for (const line of dotEnv) expect(result.stdout).not.toContain(line.slice(line.indexOf('=') + 1));
      expect(result.stdout).toContain(
        auth === 'jwks' ? 'AUTH_JWKS_URL=https://idp.example.com/.well-known/jwks.json' : 'AUTH_JWT_SECRET=(secret, set)',
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  },
);

test('a bad variable is named, the check exits 2 and removes a template an earlier run wrote', () => {
  const { env, dotEnv } = followGuide('jwks');
  const folder = workFolder(dotEnv);
  try {
    expect(run(folder, env).status).toBe(0);
    const result = run(folder, { ...env, ALLOWED_ORIGINS: 'https://app.example.com/path' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('ALLOWED_ORIGINS has "https://app.example.com/path", which is not an origin');
    expect(existsSync(join(folder, 'dist', 'deploy', 'ros-template.json'))).toBe(false);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('followed for jwks without the secrets step, the check names USER_HASH_SECRET, which a JWKS needs', () => {
  const parts = ['common', 'jwks'].map(guideBlock);
  const folder = workFolder(parts.flatMap((part) => part.dotEnv));
  try {
    const result = run(folder, Object.assign({}, ...parts.map((part) => part.exported)) as Record<string, string>);
    expect([result.status, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toBe(
      'deploy check: 1 problem(s), nothing written:\n' +
        '  - sign-url would not start: AUTH_JWKS_URL needs USER_HASH_SECRET (at least 32 bytes, e.g. openssl rand -base64 32): ' +
        'sign-url signs multipart upload handles with it, a key every instance must share (changing it later makes unfinished multipart uploads start over)\n',
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test("the guide's secrets block, run twice in a shell, leaves one line per secret in .env, with the first value", () => {
  const block = /```sh\n\s*# deploy-env: secrets\n([\s\S]*?)```/.exec(guide)![1]!;
  const folder = mkdtempSync(join(tmpdir(), 'deploy-guide-shell-'));
  try {
    const once = (): string => {
      execFileSync('bash', ['-euc', block], { cwd: folder, env: { PATH: process.env['PATH'] ?? '' } });
      return readFileSync(join(folder, '.env'), 'utf8');
    };
    const first = once();
    expect(first.split('\n').map((line) => line.replace(/=.*/, ''))).toEqual(['USER_HASH_SECRET', 'UPLOAD_WEBHOOK_SECRET', '']);
    for (const line of first.split('\n').filter((text) => text !== '')) registerIssued(line.slice(line.indexOf('=') + 1));
    expect(once()).toBe(first);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('a variable .env sets twice is refused, naming it and its lines, never a value; nothing is written', () => {
  const { env, dotEnv } = followGuide('jwks');
  const second = `USER_HASH_SECRET=${randomBytes(32).toString('base64')}`;
  const folder = workFolder([...dotEnv, '# a later run of the guide', second]);
  try {
    const result = run(folder, env);
    expect([result.status, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toBe(
      'deploy check: 1 problem(s), nothing written:\n' +
        '  - .env sets USER_HASH_SECRET more than once (lines 1 and 4), and only one value can be deployed: keep one line ' +
        '(a secret already deployed keeps the value it was deployed with)\n',
    );
    for (const line of [...dotEnv, second]) expect(result.stderr).not.toContain(line.slice(line.indexOf('=') + 1));
    expect(existsSync(join(folder, 'dist', 'deploy', 'ros-template.json'))).toBe(false);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('no ALLOWED_ORIGINS deploys (an app-only deployment), but the check warns before and after the plan: CORS: none', () => {
  const { env, dotEnv } = followGuide('jwks');
  const folder = workFolder(dotEnv);
  try {
    const result = run(folder, { ...env, ALLOWED_ORIGINS: '' });
    const warning =
      'warning: ALLOWED_ORIGINS is empty, so CORS: none: no browser can upload (native apps and servers can), and a deployment ' +
      'that had origins loses them; set ALLOWED_ORIGINS (keep it in .env with the rest of this deployment) unless no browser uploads\n';
    expect([result.status, result.stderr]).toEqual([0, `${warning}${warning}`]);
    expect(result.stdout).toContain('CORS: none (ALLOWED_ORIGINS is empty: browsers cannot upload)');
    expect(run(folder, env).stderr).toBe('');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test("the shell's value wins over .env, as with s; an old role variable is noted and ignored", () => {
  const { env, dotEnv } = followGuide('hs256');
  const folder = workFolder([...dotEnv, 'OSS_REGION=not a region']);
  try {
    const result = run(folder, { ...env, STS_ROLE_ARN: 'acs:ram::1:role/old' });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('note: STS_ROLE_ARN is set but not used: the stack creates that role\n');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test("--deployer-policy prints the deployer's policy, scoped to DEPLOY_NAME, the bucket and the region", () => {
  const { env, dotEnv } = followGuide('jwks');
  const folder = workFolder(dotEnv);
  try {
    const printed = execFileSync(process.execPath, [checkScript, '--deployer-policy'], {
      cwd: folder,
      env: { PATH: process.env['PATH'] ?? '', ...env, DEPLOY_NAME: 'uploads-prod' },
      encoding: 'utf8',
    });
    const policy = JSON.parse(printed) as { Statement: Array<{ Action: string[]; Resource: string[] }> };
    const resources = policy.Statement.flatMap((statement) => statement.Resource);
    expect(resources).toEqual(
      expect.arrayContaining([
        'acs:ram:*:*:role/uploads-prod-*',
        'acs:oss:*:*:my-uploads-4711',
        'acs:fc:cn-hangzhou:*:functions/uploads-prod-*',
      ]),
    );
    expect(policy.Statement.find((statement) => statement.Action.includes('ram:PassRole'))?.Resource).toEqual([
      'acs:ram:*:*:role/uploads-prod-*',
    ]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
