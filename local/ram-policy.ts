/**
 * A small, pure RAM policy engine for the local emulators (docs/oss-facts.md): parse a policy document once,
 * then ask whether an action on a resource is allowed. Nothing here is deployed, and nothing here is
 * shared with `shared/`: the emulators judge what the product builds, so they must not reuse its code.
 *
 * Semantics (chosen to match RAM/STS as documented, and stricter where the docs are silent):
 * - A policy allows a request when one of its statements with `Effect: Allow` matches and no statement
 *   with `Effect: Deny` in ANY of the evaluated policies matches. `evaluate` requires EVERY document to
 *   allow: an STS session is the intersection of the role's policy and the session policy.
 * - `*` (any run of characters, `/` and `:` included) and `?` (exactly one character) are wildcards in
 *   `Action`, `Resource`, `NotAction`, `NotResource` and `StringLike`. There is no escape: a `*` in a
 *   pattern is always a wildcard. Actions compare case-insensitively, resources case-sensitively.
 * - Resources are matched as plain strings: no path normalisation (`users/alice/../x` is inside
 *   `users/alice/*`, because OSS keys are literal strings and OSS does not resolve `..` either).
 * - `NotAction` / `NotResource` are supported: the statement applies to everything the list does NOT match.
 * - Condition blocks: operators AND-ed, keys within an operator AND-ed, values within a key OR-ed.
 *   Context keys are looked up case-insensitively. A key missing from the context makes a positive
 *   operator false and a negated operator (`StringNotEquals`, `NotIpAddress`, ...) true, as in AWS IAM.
 * - Anything else (unknown keys, `Principal`, `ForAnyValue:` prefixes, non-string condition values,
 *   unparsable dates or CIDRs) is a grammar error at parse time, never a silent "no match" later.
 * - So is a condition key the emulators never put into a request's context (MODELLED_CONDITION_KEYS): RAM would
 *   evaluate it, the emulators could not, and a Deny on it would silently never apply here.
 */
import { isIP, BlockList } from 'node:net';

export type Effect = 'Allow' | 'Deny';

export const CONDITION_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'IpAddress',
  'NotIpAddress',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** `negated` is true for `NotAction` / `NotResource`. */
export interface PatternList {
  readonly negated: boolean;
  readonly patterns: readonly string[];
}

export interface PolicyCondition {
  readonly operator: ConditionOperator;
  readonly key: string;
  readonly values: readonly string[];
}

export interface PolicyStatement {
  readonly effect: Effect;
  readonly action: PatternList;
  readonly resource: PatternList;
  readonly conditions: readonly PolicyCondition[];
}

export interface PolicyDocument {
  readonly version: '1';
  readonly statements: readonly PolicyStatement[];
}

export type ParsePolicyResult =
  { ok: true; policy: PolicyDocument } | { ok: false; code: 'InvalidParameter.PolicyGrammar'; message: string };

export type EvaluationContext = Readonly<Record<string, string>>;

/**
 * The condition keys the OSS emulator supplies (oss-emulator/server.ts `ramContext` and the operations), lower-cased:
 * the request's transport, time and address, a listing's prefix and delimiter, and the object ACL an upload asks
 * for. A policy naming another key is refused, so a gap in the emulators shows at start-up.
 */
export const MODELLED_CONDITION_KEYS: ReadonlySet<string> = new Set([
  'acs:securetransport',
  'acs:currenttime',
  'acs:sourceip',
  'oss:prefix',
  'oss:delimiter',
  'oss:x-oss-object-acl',
]);

export interface ParseOptions {
  /** Condition keys a policy may name (compared case-insensitively), or `'any'` to test the engine on its own. */
  conditionKeys: ReadonlySet<string> | 'any';
}

class GrammarError extends Error {}

const STATEMENT_KEYS = new Set(['Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const ACTION_PATTERN = /^(\*|[A-Za-z0-9-]+:[^\s:]+)$/;
const NEGATED_OPERATORS: ReadonlySet<ConditionOperator> = new Set([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'NumericNotEquals',
  'DateNotEquals',
  'NotIpAddress',
]);

/** Parses and validates a policy document. Never throws. */
export function parsePolicyDocument(json: string, options: ParseOptions = { conditionKeys: MODELLED_CONDITION_KEYS }): ParsePolicyResult {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return grammarError('The policy is not valid JSON.');
  }
  try {
    return { ok: true, policy: parseDocument(raw, options) };
  } catch (error) {
    if (error instanceof GrammarError) return grammarError(error.message);
    throw error;
  }
}

function grammarError(detail: string): ParsePolicyResult {
  return { ok: false, code: 'InvalidParameter.PolicyGrammar', message: `The parameter Policy has not passed grammar check. ${detail}` };
}

function parseDocument(raw: unknown, options: ParseOptions): PolicyDocument {
  const doc = asObject(raw, 'The policy');
  for (const key of Object.keys(doc)) {
    if (key !== 'Version' && key !== 'Statement') throw new GrammarError(`Unknown top-level element "${key}".`);
  }
  if (doc['Version'] !== '1') throw new GrammarError('"Version" must be the string "1".');
  const statements = doc['Statement'];
  if (!Array.isArray(statements)) throw new GrammarError('"Statement" must be an array of statements.');
  return { version: '1', statements: statements.map((statement, index) => parseStatement(statement, index, options)) };
}

function parseStatement(raw: unknown, index: number, options: ParseOptions): PolicyStatement {
  const where = `Statement[${index}]`;
  const statement = asObject(raw, where);
  for (const key of Object.keys(statement)) {
    if (key === 'Principal') throw new GrammarError(`${where}: "Principal" belongs in trust policies, not permission or session policies.`);
    if (!STATEMENT_KEYS.has(key)) throw new GrammarError(`${where}: unknown element "${key}".`);
  }
  const effect = statement['Effect'];
  if (effect !== 'Allow' && effect !== 'Deny') throw new GrammarError(`${where}: "Effect" must be "Allow" or "Deny".`);
  const action = parsePatternList(statement, 'Action', where, (value) => {
    if (!ACTION_PATTERN.test(value)) throw new GrammarError(`${where}: action "${value}" is not "*" or "<service>:<action>".`);
  });
  const resource = parsePatternList(statement, 'Resource', where, (value) => {
    if (value !== '*' && !value.startsWith('acs:')) throw new GrammarError(`${where}: resource "${value}" is not "*" or an "acs:" ARN.`);
  });
  const condition = statement['Condition'];
  const conditions = condition === undefined ? [] : parseConditionBlock(condition, where, options);
  return { effect, action, resource, conditions };
}

function parsePatternList(
  statement: Record<string, unknown>,
  name: 'Action' | 'Resource',
  where: string,
  check: (value: string) => void,
): PatternList {
  const positive = statement[name];
  const negative = statement[`Not${name}`];
  if (positive !== undefined && negative !== undefined) throw new GrammarError(`${where}: use "${name}" or "Not${name}", not both.`);
  if (positive === undefined && negative === undefined) throw new GrammarError(`${where}: "${name}" (or "Not${name}") is required.`);
  const negated = positive === undefined;
  const label = negated ? `Not${name}` : name;
  const patterns = stringList(negated ? negative : positive, `${where}.${label}`);
  patterns.forEach(check);
  return { negated, patterns };
}

function parseConditionBlock(raw: unknown, where: string, options: ParseOptions): PolicyCondition[] {
  const block = asObject(raw, `${where}.Condition`);
  const conditions: PolicyCondition[] = [];
  for (const [operatorName, keysRaw] of Object.entries(block)) {
    if (!isOperator(operatorName)) throw new GrammarError(`${where}: unknown or unsupported condition operator "${operatorName}".`);
    const keys = asObject(keysRaw, `${where}.Condition.${operatorName}`);
    if (Object.keys(keys).length === 0) throw new GrammarError(`${where}: condition operator "${operatorName}" has no keys.`);
    for (const [key, valuesRaw] of Object.entries(keys)) {
      const values = stringList(valuesRaw, `${where}.Condition.${operatorName}.${key}`);
      values.forEach((value) => checkConditionValue(operatorName, value, `${where}.Condition.${operatorName}.${key}`));
      if (options.conditionKeys !== 'any' && !options.conditionKeys.has(key.toLowerCase())) {
        throw new GrammarError(
          `${where}: condition key "${key}" is not modelled by the local emulators (they supply ${[...options.conditionKeys].join(', ')}).`,
        );
      }
      conditions.push({ operator: operatorName, key, values });
    }
  }
  return conditions;
}

function checkConditionValue(operator: ConditionOperator, value: string, where: string): void {
  if (operator.startsWith('Numeric') && parseNumber(value) === undefined) throw new GrammarError(`${where}: "${value}" is not a number.`);
  if (operator.startsWith('Date') && parseDate(value) === undefined)
    throw new GrammarError(`${where}: "${value}" is not an ISO 8601 date.`);
  if (operator === 'Bool' && value !== 'true' && value !== 'false') throw new GrammarError(`${where}: Bool values are "true" or "false".`);
  if ((operator === 'IpAddress' || operator === 'NotIpAddress') && parseCidr(value) === undefined) {
    throw new GrammarError(`${where}: "${value}" is not an IP address or CIDR block.`);
  }
}

function isOperator(name: string): name is ConditionOperator {
  return (CONDITION_OPERATORS as readonly string[]).includes(name);
}

function asObject(raw: unknown, what: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new GrammarError(`${what} must be a JSON object.`);
  return raw as Record<string, unknown>;
}

/** RAM accepts a single string wherever a list is allowed; values must be non-empty JSON strings (RAM quotes numbers and booleans). */
function stringList(raw: unknown, what: string): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new GrammarError(`${what} must not be empty.`);
  return list.map((item) => {
    if (typeof item !== 'string' || item === '')
      throw new GrammarError(`${what} must hold non-empty strings (quote numbers and booleans).`);
    return item;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

/**
 * True when every document allows `action` on `resource` and none denies it. An empty list allows nothing.
 * `resource` is what the service checks, e.g. `acs:oss:*:*:bucket/key`; a `*` in its region or account
 * segment means "not known to the caller" and matches any value there (the local OSS emulator knows neither).
 */
export function evaluate(policies: readonly PolicyDocument[], action: string, resource: string, context: EvaluationContext): boolean {
  if (policies.length === 0) return false;
  const lookup = contextLookup(context);
  let allowedByAll = true;
  for (const policy of policies) {
    let allowed = false;
    for (const statement of policy.statements) {
      if (!statementApplies(statement, action, resource, lookup)) continue;
      if (statement.effect === 'Deny') return false;
      allowed = true;
    }
    // Keep scanning the remaining documents even when this one does not allow: a Deny anywhere must still be seen.
    allowedByAll &&= allowed;
  }
  return allowedByAll;
}

function statementApplies(
  statement: PolicyStatement,
  action: string,
  resource: string,
  lookup: (key: string) => string | undefined,
): boolean {
  return (
    listApplies(statement.action, (pattern) => actionMatches(pattern, action)) &&
    listApplies(statement.resource, (pattern) => resourceMatches(pattern, resource)) &&
    statement.conditions.every((condition) => conditionHolds(condition, lookup))
  );
}

function listApplies(list: PatternList, matches: (pattern: string) => boolean): boolean {
  const any = list.patterns.some(matches);
  return list.negated ? !any : any;
}

export function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern.toLowerCase(), action.toLowerCase());
}

/** Matches ARN segment by segment (`acs:<service>:<region>:<account>:<relative-id>`), see `evaluate`. */
export function resourceMatches(pattern: string, resource: string): boolean {
  const patternParts = splitArn(pattern);
  const resourceParts = splitArn(resource);
  if (patternParts === undefined || resourceParts === undefined) return wildcardMatch(pattern, resource);
  return patternParts.every((part, index) => {
    const actual = resourceParts[index] ?? '';
    if ((index === 2 || index === 3) && actual === '*') return true;
    return wildcardMatch(part, actual);
  });
}

/** Splits at the first four colons; the relative id keeps any further colons (object keys may contain them). */
function splitArn(arn: string): string[] | undefined {
  if (!arn.startsWith('acs:')) return undefined;
  const parts: string[] = [];
  let rest = arn;
  for (let i = 0; i < 4; i += 1) {
    const colon = rest.indexOf(':');
    if (colon < 0) return undefined;
    parts.push(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
  }
  parts.push(rest);
  return parts;
}

/**
 * Glob match with `*` and `?`, over code points so `?` is one character, not one UTF-16 unit.
 * Greedy with a single backtrack point: O(pattern × text) at worst, never exponential, whatever a
 * hostile object key looks like.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  const p = Array.from(pattern);
  const t = Array.from(text);
  let pi = 0;
  let ti = 0;
  let star = -1;
  let resume = 0;
  while (ti < t.length) {
    const pc = p[pi];
    if (pc !== undefined && pc !== '*' && (pc === '?' || pc === t[ti])) {
      pi += 1;
      ti += 1;
    } else if (pc === '*') {
      star = pi;
      pi += 1;
      resume = ti;
    } else if (star >= 0) {
      pi = star + 1;
      resume += 1;
      ti = resume;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi += 1;
  return pi === p.length;
}

function contextLookup(context: EvaluationContext): (key: string) => string | undefined {
  const lowered = new Map<string, string>();
  for (const [key, value] of Object.entries(context)) lowered.set(key.toLowerCase(), value);
  return (key) => lowered.get(key.toLowerCase());
}

function conditionHolds(condition: PolicyCondition, lookup: (key: string) => string | undefined): boolean {
  const actual = lookup(condition.key);
  const negated = NEGATED_OPERATORS.has(condition.operator);
  if (actual === undefined) return negated;
  const test = valueTest(condition.operator, actual);
  const any = condition.values.some(test);
  return negated ? !any : any;
}

/** For negated operators this returns the positive test; `conditionHolds` inverts it. */
function valueTest(operator: ConditionOperator, actual: string): (expected: string) => boolean {
  switch (operator) {
    case 'StringEquals':
    case 'StringNotEquals':
      return (expected) => actual === expected;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return (expected) => actual.toLowerCase() === expected.toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
      return (expected) => wildcardMatch(expected, actual);
    case 'Bool':
      return (expected) => actual.toLowerCase() === expected;
    case 'IpAddress':
    case 'NotIpAddress':
      return (expected) => ipInCidr(actual, expected);
    default:
      return compareTest(operator, actual);
  }
}

function compareTest(operator: ConditionOperator, actual: string): (expected: string) => boolean {
  const parse = operator.startsWith('Date') ? parseDate : parseNumber;
  const actualValue = parse(actual);
  // An unparsable context value satisfies no comparison (and so every negated one).
  if (actualValue === undefined) return () => false;
  const relation = operator.replace(/^(Date|Numeric)/, '');
  return (expected) => {
    const expectedValue = parse(expected);
    if (expectedValue === undefined) return false;
    switch (relation) {
      case 'Equals':
      case 'NotEquals':
        return actualValue === expectedValue;
      case 'LessThan':
        return actualValue < expectedValue;
      case 'LessThanEquals':
        return actualValue <= expectedValue;
      case 'GreaterThan':
        return actualValue > expectedValue;
      case 'GreaterThanEquals':
        return actualValue >= expectedValue;
      default:
        return false;
    }
  };
}

function parseNumber(value: string): number | undefined {
  if (!/^-?\d+(\.\d+)?$/.test(value.trim())) return undefined;
  return Number(value);
}

/** ISO 8601 date or date-time only; `Date.parse` alone would accept "1" or "March 7". */
function parseDate(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

function parseCidr(value: string): Cidr | undefined {
  const [address = '', prefixText, extra] = value.split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { address, prefix: Number(prefixText), family };
}

function ipInCidr(ip: string, cidrText: string): boolean {
  const cidr = parseCidr(cidrText);
  const version = isIP(ip);
  if (cidr === undefined || version === 0) return false;
  const list = new BlockList();
  list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  return list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
}
