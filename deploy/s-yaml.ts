/**
 * s.yaml read and rendered as Serverless Devs 3 renders it, offline: `${env('X')}` and `${env('X', 'default')}` (an
 * empty value also takes the default), `${vars.x}` (a value that is exactly one keeps its type), and
 * `${resources.<name>.output.<key>}` from the ROS stack's outputs as they will read. Then each function's
 * environment held to the configuration table: every variable its configuration reads reaches it, from the
 * deployer's environment under its own name, or from the stack; nothing hard-coded, misspelt or extra.
 */
import { parse } from 'yaml';
import type { ConfigSection } from '../shared/config/sections';
import { VARIABLES, variableReader, type Env, type ReadVariable, type VariableName } from '../shared/config/variables';

export interface SYamlResource {
  component: string;
  actions?: Record<string, Array<Record<string, unknown>>>;
  props: Record<string, unknown>;
}

export interface SYamlDocument {
  edition: string;
  name: string;
  access?: string;
  vars: Record<string, unknown>;
  actions?: Record<string, Array<Record<string, unknown>>>;
  resources: Record<string, SYamlResource>;
}

export function parseSYaml(text: string): SYamlDocument {
  const document = parse(text) as Partial<SYamlDocument> | null;
  if (document === null || typeof document !== 'object' || typeof document.resources !== 'object' || document.resources === null) {
    throw new Error('s.yaml: no resources');
  }
  return { vars: {}, edition: '', name: '', ...document } as SYamlDocument;
}

export interface RenderContext {
  env: Env;
  /** Stack outputs by resource name, as `${resources.<name>.output.<key>}` reads them. */
  outputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Problems found while rendering (a variable without a value, an output the stack does not have). */
  report(problem: string): void;
}

const ENV = /\$\{env\('([A-Za-z0-9_]+)'(?:,\s*'([^']*)')?\)\}/g;
const VAR_WHOLE = /^\$\{vars\.([A-Za-z0-9_]+)\}$/;
const VAR = /\$\{vars\.([A-Za-z0-9_]+)\}/g;
const OUTPUT = /\$\{resources\.([A-Za-z0-9_-]+)\.output\.([A-Za-z0-9_]+)\}/g;

function renderString(value: string, vars: Record<string, unknown>, context: RenderContext): unknown {
  const whole = VAR_WHOLE.exec(value);
  if (whole?.[1] !== undefined) return vars[whole[1]];
  return value
    .replace(VAR, (_match, name: string) => String(vars[name] ?? ''))
    .replace(OUTPUT, (_match, resource: string, key: string) => {
      const output = context.outputs[resource]?.[key];
      if (output === undefined) context.report(`s.yaml reads output ${key} of ${resource}, which the stack does not have`);
      return output ?? '';
    })
    .replace(ENV, (_match, name: string, fallback: string | undefined) => {
      const given = context.env[name];
      if (given !== undefined && given !== '') return given;
      if (fallback !== undefined) return fallback;
      context.report(`${name} is required: set it in your environment or in .env beside s.yaml`);
      return '';
    });
}

export function renderValue(value: unknown, vars: Record<string, unknown>, context: RenderContext): unknown {
  if (typeof value === 'string') return renderString(value, vars, context);
  if (Array.isArray(value)) return value.map((item) => renderValue(item, vars, context));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderValue(item, vars, context)]));
  }
  return value;
}

/** The resources with every expression replaced, as the fc3 and ros components receive their props. */
export function renderSYaml(document: SYamlDocument, context: RenderContext): Record<string, SYamlResource> {
  const vars = renderValue(document.vars, {}, context) as Record<string, unknown>;
  return renderValue(document.resources, vars, context) as Record<string, SYamlResource>;
}

/** The outputs a resource's raw props read, `${resources.<name>.output.<key>}`: what orders `s deploy`. */
export function outputReferences(value: unknown): Array<{ resource: string; key: string }> {
  const text = JSON.stringify(value) ?? '';
  return [...text.matchAll(OUTPUT)].map((match) => ({ resource: match[1] ?? '', key: match[2] ?? '' }));
}

/**
 * The variables a configuration section reads, found by running it on an empty environment and on `sample`
 * (sections read every variable they may use before deciding anything, and the empty run takes every default path).
 */
export function variablesReadBy(section: ConfigSection<unknown>, sample: Env): Set<VariableName> {
  const names = new Set<VariableName>();
  for (const env of [{}, sample]) {
    const inner = variableReader(env, () => undefined);
    const read: ReadVariable = Object.assign(
      <K extends VariableName>(name: K) => {
        names.add(name);
        return inner(name);
      },
      {
        isSet: (name: VariableName) => {
          names.add(name);
          return inner.isSet(name);
        },
        profilesFile: () => inner.profilesFile(),
      },
    );
    section.build(read, () => undefined);
  }
  return names;
}

/**
 * Read by the functions but never deployed: the signer identity of local runs. In FC a function signs with its
 * role's credentials from `context.credentials`; a long-term key in its environment would only be a leak.
 */
export const LOCAL_ONLY_VARIABLES: readonly VariableName[] = [
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
];

/** Required: no default, `${env('X')}`. */
export const REQUIRED_VARIABLES: readonly VariableName[] = ['OSS_BUCKET', 'OSS_REGION'];

/** Set from what the stack creates, never by the deployer: `${resources.<stack>.output.<key>}`. */
export const GENERATED_VARIABLES: Readonly<Partial<Record<VariableName, string>>> = { STS_ROLE_ARN: 'UploadRoleArn' };

/**
 * How one function's raw environment block breaks the rule "every variable the function reads, each under its own
 * name from the deployer's environment (or from the stack), nothing else": one line per problem, naming the variable.
 */
export function environmentBlockProblems(
  functionName: string,
  block: Record<string, unknown>,
  reads: ReadonlySet<VariableName>,
  stackResource: string,
): string[] {
  const problems: string[] = [];
  const expected = [...reads].filter((name) => !LOCAL_ONLY_VARIABLES.includes(name));
  for (const name of expected) {
    if (!(name in block)) problems.push(`${functionName}: reads ${name}, which s.yaml does not pass to it`);
  }
  for (const [name, raw] of Object.entries(block)) {
    if (!(name in VARIABLES)) {
      problems.push(`${functionName}: s.yaml passes ${name}, which no function reads (misspelt?)`);
      continue;
    }
    const variable = name as VariableName;
    if (!reads.has(variable)) problems.push(`${functionName}: s.yaml passes ${name}, which ${functionName} does not read`);
    if (LOCAL_ONLY_VARIABLES.includes(variable)) problems.push(`${functionName}: ${name} is for local runs only and must not be deployed`);
    const generated = GENERATED_VARIABLES[variable];
    const wanted =
      generated !== undefined
        ? `\${resources.${stackResource}.output.${generated}}`
        : REQUIRED_VARIABLES.includes(variable)
          ? `\${env('${name}')}`
          : `\${env('${name}', '')}`;
    if (raw !== wanted) problems.push(`${functionName}: ${name} must be ${wanted} (found ${JSON.stringify(raw)})`);
  }
  return problems;
}
