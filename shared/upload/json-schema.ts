/**
 * A small JSON Schema (draft-07) validator for the keywords upload-profiles.schema.json uses, run on that very
 * schema: the file editors complete against is the one the functions check at cold start, and no second copy of its
 * rules exists. test/shared/upload/profiles-schema.test.ts proves it agrees with ajv on valid and invalid documents.
 * A keyword it does not know makes it throw, so the schema cannot grow a rule this file would silently skip.
 */

export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/** One rule broken: where (`avatar.contentTypes[0]`, empty for the document itself) and what, in words. */
export interface SchemaProblem {
  path: string;
  /** The same place as a JSON Pointer (`/avatar/contentTypes/0`), which no key can make ambiguous. */
  pointer: string;
  message: string;
}

interface Place {
  path: string;
  pointer: string;
}

const ROOT: Place = { path: '', pointer: '' };
const pointerPart = (name: string | number): string => `/${String(name).replace(/~/g, '~0').replace(/\//g, '~1')}`;
const propertyAt = (place: Place, name: string): Place => ({
  path: place.path === '' ? name : `${place.path}.${name}`,
  pointer: `${place.pointer}${pointerPart(name)}`,
});
const itemAt = (place: Place, index: number): Place => ({
  path: `${place.path}[${index}]`,
  pointer: `${place.pointer}${pointerPart(index)}`,
});

/** Keywords that only describe: they never fail a document. */
const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'definitions', 'default', 'examples']);
const ASSERTIONS = new Set([
  '$ref',
  'type',
  'enum',
  'const',
  'not',
  'if',
  'then',
  'properties',
  'patternProperties',
  'additionalProperties',
  'propertyNames',
  'required',
  'minProperties',
  'maxProperties',
  'items',
  'contains',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
]);

type SchemaObject = { readonly [keyword: string]: unknown };

/** Every problem of `value` against `schema` (whose `$ref`s point into `root`'s definitions). */
export function validateJsonSchema(root: JsonSchema, value: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  check(root, schemaOf(root), value, ROOT, problems);
  return problems;
}

function schemaOf(schema: unknown): JsonSchema {
  if (typeof schema === 'boolean') return schema;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new Error('a schema must be an object or a boolean');
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword)) throw new Error(`JSON Schema keyword ${keyword} is not supported`);
  }
  return schema as SchemaObject;
}

/** `described`: the words of a `$ref`'s own schema, which say more of this place than the definition's. */
function check(root: JsonSchema, schema: JsonSchema, value: unknown, path: Place, problems: SchemaProblem[], described?: string): void {
  if (schema === true) return;
  const says = (message: string): void =>
    void problems.push({ ...path, message: described === undefined ? describedAs(schema, message) : `${message}: ${described}` });
  if (schema === false) return says('is not allowed');
  const keyword = (name: string): unknown => (Object.hasOwn(schema, name) ? schema[name] : undefined);

  const ref = keyword('$ref');
  const description = keyword('description');
  if (typeof ref === 'string')
    check(root, resolve(root, ref), value, path, problems, typeof description === 'string' ? description : described);
  const type = keyword('type');
  if (type !== undefined && !(Array.isArray(type) ? type : [type]).some((name) => hasType(value, String(name)))) {
    return says(`must be ${(Array.isArray(type) ? type : [type]).map((name) => articled(String(name))).join(' or ')}`);
  }
  const allowed = keyword('enum');
  if (Array.isArray(allowed) && !allowed.some((option) => deepEqual(option, value))) {
    says(`must be one of ${allowed.map((option) => JSON.stringify(option)).join(', ')}`);
  }
  if (Object.hasOwn(schema, 'const') && !deepEqual(schema['const'], value)) says(`must be ${JSON.stringify(schema['const'])}`);
  const negated = keyword('not');
  if (negated !== undefined && validateAt(root, schemaOf(negated), value).length === 0) says('is not allowed here');
  const condition = keyword('if');
  const consequence = keyword('then');
  if (condition !== undefined && consequence !== undefined && validateAt(root, schemaOf(condition), value).length === 0) {
    check(root, schemaOf(consequence), value, path, problems);
  }
  if (typeof value === 'number') checkNumber(schema, value, says);
  if (typeof value === 'string') checkString(schema, value, says);
  if (Array.isArray(value)) checkArray(root, schema, value, path, problems, says);
  else if (typeof value === 'object' && value !== null) checkObject(root, schema, value as Record<string, unknown>, path, problems, says);
}

function validateAt(root: JsonSchema, schema: JsonSchema, value: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  check(root, schema, value, ROOT, problems);
  return problems;
}

function checkNumber(schema: SchemaObject, value: number, says: (message: string) => void): void {
  const { minimum, maximum } = schema;
  if (typeof minimum === 'number' && value < minimum) says(`must be at least ${minimum}`);
  if (typeof maximum === 'number' && value > maximum) says(`must be at most ${maximum}`);
}

function checkString(schema: SchemaObject, value: string, says: (message: string) => void): void {
  const { minLength, maxLength, pattern } = schema;
  // Characters as JSON Schema counts them: code points, not UTF-16 units.
  const length = [...value].length;
  if (typeof minLength === 'number' && length < minLength) says(`must be at least ${minLength} characters long`);
  if (typeof maxLength === 'number' && length > maxLength) says(`must be at most ${maxLength} characters long`);
  if (typeof pattern === 'string' && !new RegExp(pattern, 'u').test(value)) says(`must match ${pattern}`);
}

function checkArray(
  root: JsonSchema,
  schema: SchemaObject,
  value: readonly unknown[],
  path: Place,
  problems: SchemaProblem[],
  says: (message: string) => void,
): void {
  const { minItems, maxItems, uniqueItems, items, contains } = schema;
  if (typeof minItems === 'number' && value.length < minItems) says(`must list at least ${minItems}`);
  if (typeof maxItems === 'number' && value.length > maxItems) says(`must list at most ${maxItems}`);
  if (uniqueItems === true && value.some((item, index) => value.findIndex((other) => deepEqual(other, item)) !== index)) {
    says('must not repeat an entry');
  }
  if (contains !== undefined && !value.some((item) => validateAt(root, schemaOf(contains), item).length === 0)) {
    says('must list an entry it does not');
  }
  if (items !== undefined) value.forEach((item, index) => check(root, schemaOf(items), item, itemAt(path, index), problems));
}

function checkObject(
  root: JsonSchema,
  schema: SchemaObject,
  value: Record<string, unknown>,
  path: Place,
  problems: SchemaProblem[],
  says: (message: string) => void,
): void {
  const names = Object.keys(value);
  const { minProperties, maxProperties, required, propertyNames } = schema;
  if (typeof minProperties === 'number' && names.length < minProperties) says(`must have at least ${minProperties} entries`);
  if (typeof maxProperties === 'number' && names.length > maxProperties) says(`must have at most ${maxProperties} entries`);
  if (Array.isArray(required)) {
    for (const name of required) if (!Object.hasOwn(value, String(name))) says(`needs ${String(name)}`);
  }
  const properties = (schema['properties'] ?? {}) as Record<string, unknown>;
  const patterns = Object.entries((schema['patternProperties'] ?? {}) as Record<string, unknown>).map(
    ([pattern, sub]): [RegExp, unknown] => [new RegExp(pattern, 'u'), sub],
  );
  const additional = schema['additionalProperties'];
  for (const name of names) {
    const at = propertyAt(path, name);
    if (propertyNames !== undefined) {
      const nameProblems = validateAt(root, schemaOf(propertyNames), name);
      if (nameProblems.length > 0) problems.push({ ...at, message: describedAs(schemaOf(propertyNames), 'is not an allowed name') });
    }
    let matched = false;
    if (Object.hasOwn(properties, name)) {
      matched = true;
      check(root, schemaOf(properties[name]), value[name], at, problems);
    }
    for (const [pattern, sub] of patterns) {
      if (!pattern.test(name)) continue;
      matched = true;
      check(root, schemaOf(sub), value[name], at, problems);
    }
    if (!matched && additional !== undefined) {
      if (additional === false) problems.push({ ...at, message: unknownNameMessage(path.path, Object.keys(properties), patterns) });
      else check(root, schemaOf(additional), value[name], at, problems);
    }
  }
}

/** What a refused name is told: the names that are allowed there. */
function unknownNameMessage(path: string, names: readonly string[], patterns: ReadonlyArray<[RegExp, unknown]>): string {
  const listed = names.filter((name) => name !== '$schema');
  if (patterns.length > 0) return `is not a valid ${path === '' ? 'profile name' : 'name'} (${patterns.map(([p]) => p.source).join(', ')})`;
  return `is not a field here; the fields are ${listed.join(', ')}`;
}

/** The schema's own words, when it has them, after the generic rule. */
function describedAs(schema: JsonSchema, message: string): string {
  const description = typeof schema === 'object' && typeof schema['description'] === 'string' ? schema['description'] : undefined;
  return description === undefined ? message : `${message}: ${description}`;
}

function resolve(root: JsonSchema, ref: string): JsonSchema {
  const match = /^#\/definitions\/([A-Za-z0-9_-]+)$/.exec(ref);
  const definitions = typeof root === 'object' ? (root['definitions'] as Record<string, unknown> | undefined) : undefined;
  const target = match?.[1] === undefined || definitions === undefined ? undefined : definitions[match[1]];
  if (target === undefined) throw new Error(`$ref ${ref} does not name a definition of the schema`);
  return schemaOf(target);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      throw new Error(`JSON Schema type ${type} is not supported`);
  }
}

function articled(type: string): string {
  return type === 'array' || type === 'object' || type === 'integer' ? `an ${type}` : `a ${type}`;
}

/** JSON equality: same type, same value, objects key by key whatever their order. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => Object.hasOwn(right, key) && deepEqual(left[key], right[key]));
}
