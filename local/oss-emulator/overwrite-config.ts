/**
 * The bucket's overwrite protection (PutBucketOverwriteConfig / GetBucketOverwriteConfig /
 * DeleteBucketOverwriteConfig at `/?overwriteConfig`, docs/oss-facts.md): rules of `Action: forbid` with an optional
 * literal `Prefix` and `Suffix`; a write whose key matches any rule, onto a key that exists, is refused with
 * `FileAlreadyExists` whoever sends it and whatever its headers say, exactly as `x-oss-forbid-overwrite: true`
 * would be. `Principals` (a rule that binds only some callers) is not modelled: a rule naming any is refused with
 * NotImplemented rather than applied to everyone or to no one.
 */
import type { OperationContext, Reply } from './context';
import { forbidsOverwrite } from './context';
import { OssError } from './errors';
import { toXml, unescapeXml } from './xml';

export interface OverwriteRule {
  id: string;
  prefix: string;
  suffix: string;
}

/** OSS's documented limits. */
export const MAX_OVERWRITE_RULES = 100;
const MAX_AFFIX_LENGTH = 1023;

const malformed = (detail: string): OssError =>
  new OssError(400, 'MalformedXML', `The XML you provided was not well-formed or did not validate against our published schema: ${detail}`);

/** The one element `name` directly inside `content`, unescaped; undefined when absent; refused when repeated. */
function element(content: string, name: string): string | undefined {
  const matches = [...content.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))];
  if (matches.length > 1) throw malformed(`<${name}> appears more than once in a rule`);
  const raw = matches[0]?.[1];
  return raw === undefined ? undefined : unescapeXml(raw);
}

/** Parses a PutBucketOverwriteConfig body; anything it does not understand is refused, never ignored. */
export function parseOverwriteConfiguration(xml: string): OverwriteRule[] {
  const body = /^\s*(?:<\?xml[^>]*\?>)?\s*<OverwriteConfiguration>([\s\S]*)<\/OverwriteConfiguration>\s*$/.exec(xml);
  if (!body) throw malformed('the root element must be <OverwriteConfiguration>');
  const inner = body[1] ?? '';
  const rulePattern = /<Rule>([\s\S]*?)<\/Rule>/g;
  if (inner.replace(rulePattern, '').trim() !== '') throw malformed('only <Rule> elements may appear in <OverwriteConfiguration>');
  const rules: OverwriteRule[] = [];
  for (const match of inner.matchAll(rulePattern)) {
    const content = match[1] ?? '';
    if (/<Principals>/.test(content)) {
      throw new OssError(
        501,
        'NotImplemented',
        'Overwrite rules with <Principals> are not emulated: only rules that bind every caller are.',
      );
    }
    const known = content.replace(/<(ID|Action|Prefix|Suffix)>[\s\S]*?<\/\1>/g, '').trim();
    if (known !== '') throw malformed('a rule holds only ID, Action, Prefix, Suffix (and Principals)');
    const action = element(content, 'Action');
    if (action !== 'forbid') throw malformed('the only Action is forbid');
    const prefix = element(content, 'Prefix') ?? '';
    const suffix = element(content, 'Suffix') ?? '';
    if (prefix.length > MAX_AFFIX_LENGTH || suffix.length > MAX_AFFIX_LENGTH)
      throw malformed('Prefix and Suffix are at most 1023 characters');
    const id = element(content, 'ID') ?? `rule-${rules.length + 1}`;
    if (rules.some((rule) => rule.id === id)) throw malformed(`the rule ID ${id} is used twice`);
    rules.push({ id, prefix, suffix });
  }
  if (rules.length === 0) throw malformed('at least one <Rule> is required');
  if (rules.length > MAX_OVERWRITE_RULES) throw malformed(`at most ${MAX_OVERWRITE_RULES} rules`);
  return rules;
}

/** The bucket's configuration; empty until one is put. Prefix and suffix are literal (`*` is a character). */
export class OverwriteProtection {
  private rules: readonly OverwriteRule[] = [];

  constructor(xml?: string) {
    if (xml !== undefined) this.rules = parseOverwriteConfiguration(xml);
  }

  /** Whether a write to `key` must not replace an existing object: the request's own header, or any rule. */
  forbidsOverwrite(key: string, forbidOverwriteHeader: string | undefined): boolean {
    return forbidsOverwrite(forbidOverwriteHeader) || this.rules.some((rule) => key.startsWith(rule.prefix) && key.endsWith(rule.suffix));
  }

  put(xml: string): void {
    this.rules = parseOverwriteConfiguration(xml);
  }

  get(): readonly OverwriteRule[] {
    return this.rules;
  }

  delete(): void {
    this.rules = [];
  }
}

export function putBucketOverwriteConfig({ body, overwriteProtection }: OperationContext): Reply {
  overwriteProtection.put(body.toString('utf8'));
  return { status: 200, headers: {} };
}

export function getBucketOverwriteConfig({ overwriteProtection }: OperationContext): Reply {
  const rules = overwriteProtection.get();
  // The 404's code is not documented; this one names what is missing.
  if (rules.length === 0) throw new OssError(404, 'NoSuchOverwriteConfig', 'The bucket has no overwrite configuration.');
  return {
    status: 200,
    headers: { 'Content-Type': 'application/xml' },
    body: toXml('OverwriteConfiguration', {
      Rule: rules.map((rule) => ({
        ID: rule.id,
        Action: 'forbid',
        Prefix: rule.prefix === '' ? undefined : rule.prefix,
        Suffix: rule.suffix === '' ? undefined : rule.suffix,
      })),
    }),
  };
}

export function deleteBucketOverwriteConfig({ overwriteProtection }: OperationContext): Reply {
  overwriteProtection.delete();
  return { status: 204, headers: {} };
}
