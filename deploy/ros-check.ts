/**
 * The ROS template checked offline, before any API sees it: the resource types it uses and their properties as
 * ROS's resource reference gives them (docs/deploy.md, "What the stack holds"), every reference (Ref, Fn::GetAtt,
 * Fn::Sub, DependsOn) pointing at something that exists, outputs that resolve, and policies no wider than the
 * manifests ask. Each problem is one line naming the resource and the property.
 */
import type { RosTemplate, RosValue } from './ros-template';

interface PropertySpec {
  required?: true;
  check?: (value: RosValue) => string | undefined;
}

interface ResourceTypeSpec {
  properties: Record<string, PropertySpec>;
  /** What Fn::GetAtt may ask of it. */
  attributes: readonly string[];
}

const isIntrinsic = (value: RosValue): boolean =>
  typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && /^(Ref|Fn::)/.test(Object.keys(value)[0]!);

const stringMatching =
  (pattern: RegExp, what: string) =>
  (value: RosValue): string | undefined =>
    isIntrinsic(value) || (typeof value === 'string' && pattern.test(value)) ? undefined : `must be ${what}`;

const integerIn =
  (min: number, max: number) =>
  (value: RosValue): string | undefined =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
      ? undefined
      : `must be a whole number ${min} … ${max}`;

const boolean = (value: RosValue): string | undefined =>
  typeof value === 'boolean' || isIntrinsic(value) ? undefined : 'must be true or false';

const oneOf =
  (...allowed: string[]) =>
  (value: RosValue): string | undefined =>
    typeof value === 'string' && allowed.includes(value) ? undefined : `must be one of ${allowed.join(', ')}`;

/** RAM: role names of letters, digits, `.` and `-`; kept lower-case here, as FC and RAM show role ARNs. */
const ROLE_NAME = /^[a-z0-9.-]{1,64}$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

function policies(value: RosValue): string | undefined {
  if (!Array.isArray(value)) return 'must be a list';
  for (const item of value as RosValue[]) {
    if (typeof item !== 'object' || Array.isArray(item)) return 'must list {PolicyName, PolicyDocument}';
    const entry = item as Record<string, RosValue>;
    const name = entry['PolicyName'];
    if (typeof name !== 'string' || name.length === 0 || name.length > 128) return 'needs a PolicyName of 1 … 128 characters';
    if (entry['PolicyDocument'] === undefined) return `${name} needs a PolicyDocument`;
    const unknown = Object.keys(entry).filter((key) => !['PolicyName', 'PolicyDocument', 'Description', 'IgnoreExisting'].includes(key));
    if (unknown.length > 0) return `${name} has properties ROS does not know: ${unknown.join(', ')}`;
  }
  return undefined;
}

function trustDocument(value: RosValue): string | undefined {
  const statements = (value as { Statement?: unknown }).Statement;
  if (!Array.isArray(statements) || statements.length === 0) return 'needs a Statement list';
  for (const statement of statements as Array<Record<string, unknown>>) {
    // ROS takes the trust policy's Action as one string, not a list.
    if (statement['Action'] !== 'sts:AssumeRole') return 'Action must be the string sts:AssumeRole';
    const principal = statement['Principal'];
    if (typeof principal !== 'object' || principal === null) return 'needs a Principal';
    for (const [kind, list] of Object.entries(principal)) {
      if (!['Service', 'RAM', 'Federated'].includes(kind)) return `Principal ${kind} is not Service, RAM or Federated`;
      if (!Array.isArray(list)) return `Principal ${kind} must be a list`;
    }
  }
  return undefined;
}

function overwriteRules(value: RosValue): string | undefined {
  if (!Array.isArray(value) || value.length > 100) return 'must be a list of at most 100 rules';
  for (const rule of value as Array<Record<string, RosValue>>) {
    if (rule['Action'] !== 'forbid') return 'Action must be forbid';
    const prefix = rule['Prefix'];
    if (typeof prefix !== 'string' || prefix === '' || prefix.length > 1023)
      return 'Prefix must be 1 … 1023 characters (never the whole bucket)';
    const unknown = Object.keys(rule).filter((key) => !['Id', 'Action', 'Prefix', 'Suffix', 'Principals'].includes(key));
    if (unknown.length > 0) return `rule has properties ROS does not know: ${unknown.join(', ')}`;
  }
  return undefined;
}

function lifecycle(value: RosValue): string | undefined {
  const rules = (value as { Rule?: unknown }).Rule;
  if (!Array.isArray(rules)) return 'needs a Rule list';
  for (const rule of rules as Array<Record<string, RosValue>>) {
    if (typeof rule['Prefix'] !== 'string') return 'each Rule needs a Prefix';
    if (rule['Status'] !== 'Enabled' && rule['Status'] !== 'Disabled') return 'each Rule needs Status Enabled or Disabled';
    const abort = rule['AbortMultipartUpload'] as Record<string, RosValue> | undefined;
    // OSS refuses an empty AbortMultipartUpload.
    if (abort !== undefined && abort['Days'] === undefined && abort['CreatedBeforeDate'] === undefined) {
      return 'AbortMultipartUpload needs Days or CreatedBeforeDate';
    }
  }
  return undefined;
}

function cors(value: RosValue): string | undefined {
  const rules = (value as { CORSRule?: unknown }).CORSRule;
  if (!Array.isArray(rules) || rules.length === 0 || rules.length > 10) return 'needs a CORSRule list of 1 … 10 rules';
  for (const rule of rules as Array<Record<string, RosValue>>) {
    const origins = rule['AllowedOrigin'];
    if (!Array.isArray(origins) || origins.length === 0) return 'each CORSRule needs AllowedOrigin';
    if (origins.includes('*')) return 'AllowedOrigin must list exact origins, never *';
    if (!Array.isArray(rule['AllowedMethod']) || (rule['AllowedMethod'] as RosValue[]).length === 0)
      return 'each CORSRule needs AllowedMethod';
    const unknown = Object.keys(rule).filter(
      (key) => !['AllowedOrigin', 'AllowedMethod', 'AllowedHeader', 'ExposeHeader', 'MaxAgeSeconds'].includes(key),
    );
    if (unknown.length > 0) return `CORSRule has properties ROS does not know: ${unknown.join(', ')}`;
  }
  return undefined;
}

/**
 * The resource types the template may use, with every property ROS documents for them (so a misspelt one is found)
 * and the checks that matter here. From ROS's resource reference: ALIYUN::RAM::Role, ALIYUN::OSS::Bucket,
 * ALIYUN::OSS::BucketOverwriteConfig, ALIYUN::OSS::BucketPublicAccessBlock, ALIYUN::ROS::Sleep.
 */
export const RESOURCE_TYPES: Readonly<Record<string, ResourceTypeSpec>> = {
  'ALIYUN::RAM::Role': {
    properties: {
      RoleName: { required: true, check: stringMatching(ROLE_NAME, '1 … 64 lower-case letters, digits, . and -') },
      AssumeRolePolicyDocument: { required: true, check: trustDocument },
      Description: {
        check: (value) => (typeof value === 'string' && value.length <= 1024 ? undefined : 'must be at most 1024 characters'),
      },
      MaxSessionDuration: { check: integerIn(3600, 43_200) },
      Policies: { check: policies },
      PolicyAttachments: {},
      IgnoreExisting: { check: boolean },
      DeletionForce: { check: boolean },
      Tags: {},
    },
    attributes: ['Arn', 'RoleId', 'RoleName'],
  },
  'ALIYUN::OSS::Bucket': {
    properties: {
      BucketName: { required: true, check: stringMatching(BUCKET_NAME, '3 … 63 of a-z, 0-9 and -') },
      AccessControl: { check: oneOf('private', 'public-read', 'public-read-write') },
      BlockPublicAccess: { check: boolean },
      CORSConfiguration: { check: cors },
      DeletionForce: { check: boolean },
      EnableOssHdfsService: { check: boolean },
      LifecycleConfiguration: { check: lifecycle },
      LoggingConfiguration: {},
      Policy: {},
      RedundancyType: { check: oneOf('LRS', 'ZRS') },
      RefererConfiguration: {},
      ResourceGroupId: {},
      ServerSideEncryptionConfiguration: {},
      StorageClass: { check: oneOf('Standard', 'IA', 'Archive', 'ColdArchive') },
      Tags: {},
      VersioningConfiguration: {},
      WebsiteConfigurationV2: {},
    },
    attributes: ['Name', 'Arn', 'DomainName', 'InternalDomainName'],
  },
  'ALIYUN::OSS::BucketOverwriteConfig': {
    properties: { Bucket: { required: true }, Rule: { check: overwriteRules } },
    attributes: ['Rule'],
  },
  'ALIYUN::OSS::BucketPublicAccessBlock': {
    properties: { Bucket: { required: true }, BlockPublicAccess: { required: true, check: boolean } },
    attributes: ['BlockPublicAccess'],
  },
  'ALIYUN::ROS::Sleep': {
    properties: {
      CreateDuration: { check: integerIn(0, 1800) },
      DeleteDuration: { check: integerIn(0, 1800) },
      UpdateDuration: { check: integerIn(0, 1800) },
      UpdateRollbackDuration: { check: integerIn(0, 1800) },
      Triggers: {},
    },
    attributes: [],
  },
};

/** ROS's pseudo parameters. */
export const PSEUDO_PARAMETERS = [
  'ALIYUN::AccountId',
  'ALIYUN::TenantId',
  'ALIYUN::Region',
  'ALIYUN::StackId',
  'ALIYUN::StackName',
  'ALIYUN::NoValue',
  'ALIYUN::Index',
];

const TEMPLATE_KEYS = ['ROSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Conditions', 'Resources', 'Outputs'];
const RESOURCE_KEYS = ['Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy', 'Metadata'];

/** Every Ref, Fn::GetAtt and Fn::Sub variable in a value, as `where → problem` lines for those that point nowhere. */
function referenceProblems(value: unknown, where: string, template: RosTemplate, found: Set<string>): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => referenceProblems(item, where, template, found));
  if (typeof value !== 'object' || value === null) return [];
  const entries = Object.entries(value);
  const [key, argument] = entries[0] ?? [];
  const problems: string[] = [];
  const resourceAttribute = (id: string, attribute: string | undefined): void => {
    const resource = template.Resources[id];
    if (resource === undefined) {
      problems.push(`${where}: refers to ${id}, which is not a resource of the template`);
      return;
    }
    found.add(id);
    const spec = RESOURCE_TYPES[resource.Type];
    if (attribute !== undefined && spec !== undefined && !spec.attributes.includes(attribute)) {
      problems.push(`${where}: ${resource.Type} has no attribute ${attribute} (it has ${spec.attributes.join(', ') || 'none'})`);
    }
  };
  if (entries.length === 1 && key === 'Ref') {
    if (typeof argument !== 'string') problems.push(`${where}: Ref takes a name`);
    else if (!PSEUDO_PARAMETERS.includes(argument)) resourceAttribute(argument, undefined);
    return problems;
  }
  if (entries.length === 1 && key === 'Fn::GetAtt') {
    if (!Array.isArray(argument) || argument.length !== 2 || !argument.every((part) => typeof part === 'string')) {
      problems.push(`${where}: Fn::GetAtt takes [resource, attribute]`);
    } else {
      resourceAttribute(argument[0] as string, argument[1]);
    }
    return problems;
  }
  if (entries.length === 1 && key === 'Fn::Sub') {
    if (typeof argument !== 'string') return [`${where}: Fn::Sub takes a string here`];
    for (const match of argument.matchAll(/\$\{([^}]*)\}/g)) {
      const name = match[1] ?? '';
      if (PSEUDO_PARAMETERS.includes(name)) continue;
      const [id = '', attribute] = name.split('.');
      resourceAttribute(id, attribute);
    }
    return problems;
  }
  if (entries.length === 1 && key !== undefined && key.startsWith('Fn::'))
    return [`${where}: ${key} is not used by this template's checks`];
  return entries.flatMap(([name, item]) => referenceProblems(item, `${where}.${name}`, template, found));
}

/** The dependencies of each resource (references and DependsOn), for the cycle check. */
function dependencies(template: RosTemplate): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    const found = new Set<string>();
    referenceProblems(resource.Properties, id, template, found);
    for (const other of resource.DependsOn ?? []) found.add(other);
    graph.set(id, found);
  }
  return graph;
}

function cycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    for (const next of graph.get(id) ?? []) {
      const found = visit(next, [...path, id]);
      if (found !== undefined) return found;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const id of graph.keys()) {
    const found = visit(id, []);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Problems of the template's structure: types, properties, references, dependencies, outputs. */
export function templateProblems(template: RosTemplate): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(template)) if (!TEMPLATE_KEYS.includes(key)) problems.push(`template: unknown section ${key}`);
  if (template.ROSTemplateFormatVersion !== '2015-09-01') problems.push('template: ROSTemplateFormatVersion must be 2015-09-01');
  const resources = Object.entries(template.Resources);
  if (resources.length > 200) problems.push('template: ROS allows at most 200 resources in a stack');
  for (const [id, resource] of resources) {
    if (!/^[A-Za-z0-9]{1,255}$/.test(id)) problems.push(`${id}: a logical id is letters and digits`);
    for (const key of Object.keys(resource)) if (!RESOURCE_KEYS.includes(key)) problems.push(`${id}: unknown key ${key}`);
    const spec = RESOURCE_TYPES[resource.Type];
    if (spec === undefined) {
      problems.push(`${id}: resource type ${resource.Type} is not one this check knows`);
      continue;
    }
    for (const [name, property] of Object.entries(spec.properties)) {
      const value = resource.Properties[name];
      if (value === undefined) {
        if (property.required) problems.push(`${id}: ${resource.Type} requires ${name}`);
        continue;
      }
      const problem = property.check?.(value);
      if (problem !== undefined) problems.push(`${id}.${name}: ${problem}`);
    }
    for (const name of Object.keys(resource.Properties)) {
      if (spec.properties[name] === undefined) problems.push(`${id}: ${resource.Type} has no property ${name}`);
    }
    for (const other of resource.DependsOn ?? []) {
      if (template.Resources[other] === undefined) problems.push(`${id}: DependsOn ${other}, which is not a resource`);
    }
    if (resource.DeletionPolicy !== undefined && !['Retain', 'Delete'].includes(resource.DeletionPolicy)) {
      problems.push(`${id}: DeletionPolicy must be Retain or Delete`);
    }
    problems.push(...referenceProblems(resource.Properties, id, template, new Set()));
  }
  const loop = cycle(dependencies(template));
  if (loop !== undefined) problems.push(`template: resources depend on each other in a cycle: ${loop.join(' → ')}`);
  for (const [key, output] of Object.entries(template.Outputs)) {
    // The ros component adds its own stackId output.
    if (key === 'stackId') problems.push("Outputs: stackId is the ros component's own output name");
    if (output.Value === undefined) problems.push(`Outputs.${key}: needs a Value`);
    problems.push(...referenceProblems(output.Value, `Outputs.${key}`, template, new Set()));
  }
  return problems;
}

/** What an output will read once ROS has created the stack, with the account given: for the offline check's plan. */
export function previewValue(template: RosTemplate, value: RosValue, context: { account: string; region: string }): string {
  const pseudo: Record<string, string> = { 'ALIYUN::AccountId': context.account, 'ALIYUN::Region': context.region };
  const attribute = (id: string, name: string): string => {
    const resource = template.Resources[id];
    if (resource === undefined) throw new Error(`no resource ${id}`);
    if (resource.Type === 'ALIYUN::RAM::Role' && name === 'Arn')
      return `acs:ram::${context.account}:role/${String(resource.Properties['RoleName'])}`;
    if (resource.Type === 'ALIYUN::OSS::Bucket' && name === 'Name') return String(resource.Properties['BucketName']);
    throw new Error(`cannot preview ${resource.Type}.${name}`);
  };
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, RosValue>;
    const getAtt = object['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return attribute(String(getAtt[0]), String(getAtt[1]));
    const sub = object['Fn::Sub'];
    if (typeof sub === 'string') {
      return sub.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
        if (pseudo[name] !== undefined) return pseudo[name];
        const [id = '', attr = 'Arn'] = name.split('.');
        return attribute(id, attr);
      });
    }
  }
  throw new Error(`cannot preview ${JSON.stringify(value)}`);
}
