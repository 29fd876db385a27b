/**
 * The documentation holds together: README.md stays a short landing page that starts with the two commands, every
 * relative link in README.md and docs/ (and the OSS emulator's README) reaches a file of the repository (and a
 * heading of it, for `#anchors`), every guide in docs/ says whom it is for and is listed in README.md, the
 * configuration table lists exactly the variables the code reads, and nothing cites notes that are not in the
 * repository or tells the project's own history by issue or session numbers.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { CONFIG_VARIABLES } from '../shared/config/variables';

const root = resolve(__dirname, '..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');

const GUIDES = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);
const DOCUMENTS = ['README.md', ...GUIDES, 'local/oss-emulator/README.md'];

/** The text outside fenced code blocks, with inline code spans blanked out (links and headings are read from it). */
export function prose(markdown: string): string {
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*```/.test(line)) {
        fenced = !fenced;
        return '';
      }
      return fenced ? '' : line.replace(/`[^`\n]*`/g, '``');
    })
    .join('\n');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces turned into hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown file offers (duplicates numbered as GitHub numbers them). */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading === null) continue;
    const base = slug(heading[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  return found;
}

/** The relative links of a Markdown file (from `file`, repository-relative) that lead nowhere, with the reason. */
export function brokenLinks(file: string, markdown: string, readTarget: (path: string) => string | undefined): string[] {
  const broken: string[] = [];
  for (const match of prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = match[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: not a file of the repository
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
    const path = pathPart === '' ? file : relative(root, resolve(root, dirname(file), decodeURIComponent(pathPart)));
    if (path.startsWith('..')) {
      broken.push(`${file}: ${target} (outside the repository)`);
      continue;
    }
    const text = readTarget(path);
    if (text === undefined) {
      broken.push(`${file}: ${target} (no such file: ${path})`);
    } else if (anchor !== undefined && anchor !== '' && path.endsWith('.md') && !anchors(text).has(anchor)) {
      broken.push(`${file}: ${target} (no heading #${anchor} in ${path})`);
    }
  }
  return broken;
}

/** Mentions of the project's own history by number ("issue 15", "session 3", "issue #26"). */
export function historyMentions(text: string): string[] {
  return [...text.matchAll(/\b(?:issues?|sessions?|PR)\s+#?\d+/gi)].map((match) => match[0]);
}

/** Notes kept outside the repository that nothing in it may cite. */
const OUTSIDE_NOTES = /\b(?:ROS-DEPLOY-FACTS|FACTS|DESIGN)\.md\b|\bFACTS\s*§/;

const readRepositoryFile = (path: string): string | undefined => {
  const full = join(root, path);
  if (!existsSync(full)) return undefined;
  return statSync(full).isDirectory() ? '' : readFileSync(full, 'utf8');
};

describe('the checks themselves', () => {
  test('slugs and anchors follow GitHub', () => {
    expect(slug('`POST <sts-token>` (or `GET`)')).toBe('post-sts-token-or-get');
    expect(slug("Choices where OSS's behaviour is not confirmed")).toBe('choices-where-osss-behaviour-is-not-confirmed');
    expect([...anchors('# A\n## B\n```sh\n# not a heading\n```\n## B\n')]).toEqual(['a', 'b', 'b-1']);
  });

  test('a link to a missing file, a missing heading or outside the repository is found; others pass', () => {
    const files: Record<string, string> = { 'docs/a.md': '# A\n## Here\n', 'docs/b.md': '# B\n' };
    const readTarget = (path: string): string | undefined => files[path];
    const text = [
      '[ok](a.md) [ok](a.md#here) [ok](#b) [web](https://example.com/x.md) `[code](nowhere.md)`',
      '[missing](c.md) [no heading](a.md#there) [up](../../outside.md)',
      '```',
      '[in a code block](nowhere.md)',
      '```',
    ].join('\n');
    expect(brokenLinks('docs/b.md', text, readTarget)).toEqual([
      'docs/b.md: c.md (no such file: docs/c.md)',
      'docs/b.md: a.md#there (no heading #there in docs/a.md)',
      'docs/b.md: ../../outside.md (outside the repository)',
    ]);
  });

  test('history by number and citations of outside notes are found', () => {
    expect(historyMentions('as decided in issue 15, then session 3 and issue #26')).toEqual(['issue 15', 'session 3', 'issue #26']);
    expect(historyMentions('a session policy, RoleSessionName, sessions up to 3600 s')).toEqual([]);
    expect(OUTSIDE_NOTES.test('from the specification (FACTS §3)')).toBe(true);
    expect(OUTSIDE_NOTES.test('see DESIGN.md')).toBe(true);
    expect(OUTSIDE_NOTES.test('see docs/oss-facts.md')).toBe(false);
  });
});

describe('README.md', () => {
  const readme = read('README.md');

  test('starts with the two commands, and stays a landing page of at most 150 lines', () => {
    const lines = readme.split('\n');
    const block = lines.indexOf('```sh');
    expect(block).toBeGreaterThan(0);
    expect(block).toBeLessThan(4);
    expect(lines[block + 1]).toMatch(/^npm install && npm start\s+# /);
    expect(lines[block + 2]).toMatch(/^npm test\s+# /);
    expect(lines.length).toBeLessThanOrEqual(150);
  });

  test('lists every guide in docs/', () => {
    expect(GUIDES.filter((guide) => !readme.includes(`](${guide})`))).toEqual([]);
  });
});

test('every guide in docs/ starts by saying whom it is for and what they will have at the end', () => {
  const without = GUIDES.filter((guide) => {
    const opening = read(guide).split('\n\n').slice(0, 3).join('\n\n');
    return !/\*\*For\*\*/.test(opening) || !/\*\*At the end\*\*/.test(opening);
  });
  expect(without).toEqual([]);
});

test('every relative link in README.md and docs/ reaches a file of the repository, and its heading', () => {
  expect(DOCUMENTS.flatMap((file) => brokenLinks(file, read(file), readRepositoryFile))).toEqual([]);
});

test('README.md and docs/ tell no history by issue or session numbers', () => {
  expect(DOCUMENTS.flatMap((file) => historyMentions(read(file)).map((mention) => `${file}: ${mention}`))).toEqual([]);
});

test('nothing in the repository cites notes that are not in it (FACTS.md, DESIGN.md, ROS-DEPLOY-FACTS.md)', () => {
  const folders = ['shared', 'functions', 'deploy', 'local', 'web', 'tools', 'test', 'docs', '.ci'];
  const files = [
    ...folders.flatMap((folder) =>
      readdirSync(join(root, folder), { withFileTypes: true, recursive: true })
        .filter((entry) => entry.isFile() && /\.(ts|mjs|cjs|js|json|sh|yaml|html|md)$|^run$/.test(entry.name))
        .map((entry) => relative(root, join(entry.parentPath, entry.name))),
    ),
    'README.md',
    's.yaml',
    'package.json',
    'jest.config.js',
    'eslint.config.mjs',
  ].filter((file) => file !== relative(root, __filename));
  expect(files.filter((file) => OUTSIDE_NOTES.test(read(file)))).toEqual([]);
});

test("docs/configuration.md's table lists exactly the variables the code reads", () => {
  const rows = read('docs/configuration.md')
    .split('\n')
    .filter((line) => line.startsWith('| `'));
  const documented = new Set(rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1]!)));
  expect(CONFIG_VARIABLES.filter((name) => !documented.has(name))).toEqual([]);
  expect([...documented].filter((name) => !(CONFIG_VARIABLES as string[]).includes(name))).toEqual([]);
});
