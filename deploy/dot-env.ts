/**
 * The `.env` file beside s.yaml, read as `s` reads it (and Node's `--env-file`): one `NAME=value` a line, `export`
 * allowed, quoted values may span lines. Node's parser lets a later line win silently, so a variable given twice (a
 * guide's `echo … >> .env` run again, say) would be checked, and likely deployed, with whichever came last: for
 * USER_HASH_SECRET, a new secret. The check refuses that instead, naming the variable and its lines, never a value.
 */

export interface DotEnv {
  values: Record<string, string>;
  /** One line per variable given more than once. */
  problems: string[];
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;
const QUOTES = new Set(['"', "'", '`']);

/** `parse` is Node's `util.parseEnv`, which gives the values; the lines each variable is set on are found here. */
export function readDotEnv(content: string, parse: (content: string) => Readonly<Record<string, string | undefined>>): DotEnv {
  const values = Object.fromEntries(Object.entries(parse(content)).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const linesOf = new Map<string, number[]>();
  let openQuote: string | undefined;
  content.split(/\r?\n/).forEach((line, index) => {
    // Inside a quoted value that spans lines: nothing here is an assignment until its quote closes.
    if (openQuote !== undefined) {
      if (line.includes(openQuote)) openQuote = undefined;
      return;
    }
    const match = ASSIGNMENT.exec(line);
    if (match === null) return;
    const [, name = '', value = ''] = match;
    linesOf.set(name, [...(linesOf.get(name) ?? []), index + 1]);
    const quote = value.charAt(0);
    if (QUOTES.has(quote) && !value.slice(1).includes(quote)) openQuote = quote;
  });
  const problems = [...linesOf]
    .filter(([name, lines]) => lines.length > 1 && Object.hasOwn(values, name))
    .map(
      ([name, lines]) =>
        `.env sets ${name} more than once (lines ${lines.slice(0, -1).join(', ')} and ${lines.at(-1)!}), and only one value can be ` +
        'deployed: keep one line (a secret already deployed keeps the value it was deployed with)',
    );
  return { values, problems };
}
