import { evaluate, parsePolicyDocument, wildcardMatch, type PolicyDocument } from '../../local/ram-policy';

/** The engine on its own, with any condition key (the emulators' default, which refuses unmodelled keys, is tested below). */
function policy(document: unknown): PolicyDocument {
  const parsed = parsePolicyDocument(JSON.stringify(document), { conditionKeys: 'any' });
  if (!parsed.ok) throw new Error(`fixture policy rejected: ${parsed.message}`);
  return parsed.policy;
}

function statement(fields: Record<string, unknown>): unknown {
  return { Version: '1', Statement: [fields] };
}

const ALICE_PREFIX = 'acs:oss:*:*:bucket/users/alice/*';
const aliceUpload = policy(statement({ Effect: 'Allow', Action: ['oss:PutObject', 'oss:AbortMultipartUpload'], Resource: [ALICE_PREFIX] }));
const object = (key: string) => `acs:oss:*:*:bucket/${key}`;

describe('parsePolicyDocument', () => {
  it('keeps the structure, normalising single strings to lists', () => {
    const parsed = parsePolicyDocument(
      JSON.stringify({
        Version: '1',
        Statement: [
          { Effect: 'Allow', Action: 'oss:PutObject', Resource: ALICE_PREFIX, Condition: { StringLike: { 'oss:Prefix': ['a/*', 'b/*'] } } },
          { Effect: 'Deny', NotAction: ['oss:Get*'], NotResource: 'acs:oss:*:*:bucket/*' },
        ],
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      policy: {
        version: '1',
        statements: [
          {
            effect: 'Allow',
            action: { negated: false, patterns: ['oss:PutObject'] },
            resource: { negated: false, patterns: [ALICE_PREFIX] },
            conditions: [{ operator: 'StringLike', key: 'oss:Prefix', values: ['a/*', 'b/*'] }],
          },
          {
            effect: 'Deny',
            action: { negated: true, patterns: ['oss:Get*'] },
            resource: { negated: true, patterns: ['acs:oss:*:*:bucket/*'] },
            conditions: [],
          },
        ],
      },
    });
  });

  it('accepts an empty statement list (which allows nothing)', () => {
    const parsed = parsePolicyDocument('{"Version":"1","Statement":[]}');
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(evaluate([parsed.policy], 'oss:PutObject', object('x'), {})).toBe(false);
  });

  const allow = { Effect: 'Allow', Action: 'oss:PutObject', Resource: ALICE_PREFIX };
  const rejected: Array<[string, string, RegExp]> = [
    ['not JSON', '{"Version":"1",', /not valid JSON/],
    ['an array', '[]', /must be a JSON object/],
    ['null', 'null', /must be a JSON object/],
    ['Version 2', JSON.stringify({ Version: '2', Statement: [allow] }), /"Version" must be the string "1"/],
    ['numeric Version', JSON.stringify({ Version: 1, Statement: [allow] }), /"Version" must be the string "1"/],
    ['missing Version', JSON.stringify({ Statement: [allow] }), /"Version"/],
    ['Statement as an object', JSON.stringify({ Version: '1', Statement: allow }), /must be an array/],
    ['unknown top-level key', JSON.stringify({ Version: '1', Statement: [allow], Id: 'x' }), /Unknown top-level element "Id"/],
    ['lower-case effect', JSON.stringify(statement({ ...allow, Effect: 'allow' })), /"Effect" must be "Allow" or "Deny"/],
    ['no Action', JSON.stringify(statement({ Effect: 'Allow', Resource: '*' })), /"Action" \(or "NotAction"\) is required/],
    ['Action and NotAction', JSON.stringify(statement({ ...allow, NotAction: 'oss:GetObject' })), /not both/],
    ['no Resource', JSON.stringify(statement({ Effect: 'Allow', Action: '*' })), /"Resource" \(or "NotResource"\) is required/],
    ['empty Action list', JSON.stringify(statement({ ...allow, Action: [] })), /must not be empty/],
    ['empty Resource string', JSON.stringify(statement({ ...allow, Resource: '' })), /non-empty strings/],
    ['action without service', JSON.stringify(statement({ ...allow, Action: 'PutObject' })), /is not "\*" or "<service>:<action>"/],
    ['resource not an ARN', JSON.stringify(statement({ ...allow, Resource: 'bucket/users/alice/*' })), /not "\*" or an "acs:" ARN/],
    ['Principal', JSON.stringify(statement({ ...allow, Principal: { RAM: ['*'] } })), /"Principal" belongs in trust policies/],
    ['Sid (not in the RAM grammar)', JSON.stringify(statement({ ...allow, Sid: 'one' })), /unknown element "Sid"/],
    [
      'unknown operator',
      JSON.stringify(statement({ ...allow, Condition: { StringStartsWith: { 'oss:Prefix': 'a' } } })),
      /unknown or unsupported condition operator "StringStartsWith"/,
    ],
    [
      'set operator prefix',
      JSON.stringify(statement({ ...allow, Condition: { 'ForAnyValue:StringEquals': { k: 'a' } } })),
      /unsupported condition operator/,
    ],
    [
      'boolean condition value',
      JSON.stringify(statement({ ...allow, Condition: { Bool: { 'acs:SecureTransport': true } } })),
      /quote numbers and booleans/,
    ],
    [
      'Bool value not true/false',
      JSON.stringify(statement({ ...allow, Condition: { Bool: { 'acs:SecureTransport': 'yes' } } })),
      /"true" or "false"/,
    ],
    [
      'bad CIDR',
      JSON.stringify(statement({ ...allow, Condition: { IpAddress: { 'acs:SourceIp': '10.0.0.0/33' } } })),
      /not an IP address or CIDR/,
    ],
    [
      'bad date',
      JSON.stringify(statement({ ...allow, Condition: { DateLessThan: { 'acs:CurrentTime': 'tomorrow' } } })),
      /not an ISO 8601 date/,
    ],
    ['bad number', JSON.stringify(statement({ ...allow, Condition: { NumericLessThan: { 'oss:MaxKeys': '1e3' } } })), /not a number/],
    ['operator with no keys', JSON.stringify(statement({ ...allow, Condition: { StringEquals: {} } })), /has no keys/],
    ['condition as a list', JSON.stringify(statement({ ...allow, Condition: [] })), /Condition must be a JSON object/],
    [
      'a condition key the emulators never supply',
      JSON.stringify(statement({ ...allow, Condition: { StringEquals: { 'oss:x-oss-storage-class': 'Standard' } } })),
      /condition key "oss:x-oss-storage-class" is not modelled by the local emulators/,
    ],
  ];
  it.each(rejected)('rejects %s with InvalidParameter.PolicyGrammar', (_name, json, message) => {
    const parsed = parsePolicyDocument(json);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.code).toBe('InvalidParameter.PolicyGrammar');
      expect(parsed.message).toMatch(/^The parameter Policy has not passed grammar check\. /);
      expect(parsed.message).toMatch(message);
    }
  });
});

describe('wildcardMatch', () => {
  const cases: Array<[string, string, boolean]> = [
    ['*', '', true],
    ['*', 'anything/at:all', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['a?c', 'abbc', false],
    ['a*c', 'ac', true],
    ['a*c', 'a/b/c', true],
    ['a*c', 'a/b/cd', false],
    ['*a*a*a*a*a*a*a*a*b', 'a'.repeat(2000), false],
    ['?', '猫', true], // one character, though two UTF-16 units would be '??' for an emoji
    ['?', '😀', true],
    ['??', '😀', false],
    ['abc', 'ABC', false],
  ];
  it.each(cases)('%s against %s is %s', (pattern, text, expected) => {
    expect(wildcardMatch(pattern, text)).toBe(expected);
  });

  it('stays fast on a hostile pattern/key pair (no exponential backtracking)', () => {
    const started = Date.now();
    expect(wildcardMatch(`${'*a'.repeat(40)}b`, 'a'.repeat(1023))).toBe(false);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('evaluate: actions and resources', () => {
  it('allows the exact action on a key under the prefix', () => {
    expect(evaluate([aliceUpload], 'oss:PutObject', object('users/alice/2024/cat.png'), {})).toBe(true);
  });

  it('compares actions case-insensitively', () => {
    expect(evaluate([aliceUpload], 'OSS:putobject', object('users/alice/x'), {})).toBe(true);
  });

  it('denies actions that are not listed', () => {
    expect(evaluate([aliceUpload], 'oss:GetObject', object('users/alice/x'), {})).toBe(false);
    expect(evaluate([aliceUpload], 'oss:PutObjectAcl', object('users/alice/x'), {})).toBe(false);
  });

  // Facts about plain string matching, each one a trap for whoever builds prefixes and policies.
  const resourceFacts: Array<[string, string, boolean]> = [
    ['a sibling user whose name extends alice', 'users/alice2/x', false],
    ['the prefix itself without a trailing slash', 'users/alice', false],
    ['the prefix folder "object"', 'users/alice/', true],
    ['a literal "../" (OSS keys are not paths: no normalisation)', 'users/alice/../bob/x', true],
    ['a key that only looks like another user after normalisation', 'users/alice/../../etc', true],
    ['different case (resources are case-sensitive)', 'users/Alice/x', false],
    ['a URL-encoded slash stays literal', 'users%2Falice/x', false],
    ['a deep key ("*" crosses "/")', 'users/alice/a/b/c/d.png', true],
    ['a key with a colon', 'users/alice/a:b', true],
    ['a key with "*" in it (text side is literal)', 'users/alice/*', true],
    ['leading slash', '/users/alice/x', false],
  ];
  it.each(resourceFacts)('%s: %s → %s', (_fact, key, expected) => {
    expect(evaluate([aliceUpload], 'oss:PutObject', object(key), {})).toBe(expected);
  });

  it('does not match the same key in another bucket or service', () => {
    expect(evaluate([aliceUpload], 'oss:PutObject', 'acs:oss:*:*:bucket2/users/alice/x', {})).toBe(false);
    expect(evaluate([aliceUpload], 'oss:PutObject', 'acs:oss:*:*:bucketusers/alice/x', {})).toBe(false);
    expect(evaluate([aliceUpload], 'oss:PutObject', 'acs:ecs:*:*:bucket/users/alice/x', {})).toBe(false);
  });

  it('shows why a prefix must end with "/": without it alice2 matches', () => {
    const sloppy = policy(statement({ Effect: 'Allow', Action: 'oss:PutObject', Resource: 'acs:oss:*:*:bucket/users/alice*' }));
    expect(evaluate([sloppy], 'oss:PutObject', object('users/alice2/x'), {})).toBe(true);
  });

  it('shows why a user id must never contain "*" or "?": they are wildcards in the pattern', () => {
    const star = policy(statement({ Effect: 'Allow', Action: 'oss:PutObject', Resource: 'acs:oss:*:*:bucket/users/a*/*' }));
    expect(evaluate([star], 'oss:PutObject', object('users/admin/x'), {})).toBe(true);
    const question = policy(statement({ Effect: 'Allow', Action: 'oss:PutObject', Resource: 'acs:oss:*:*:bucket/users/bo?/*' }));
    expect(evaluate([question], 'oss:PutObject', object('users/bob/x'), {})).toBe(true);
  });

  it('treats a "*" region or account in the checked resource as unknown, matching any value', () => {
    const scoped = policy(
      statement({ Effect: 'Allow', Action: 'oss:PutObject', Resource: 'acs:oss:cn-hangzhou:1234567890:bucket/users/alice/*' }),
    );
    expect(evaluate([scoped], 'oss:PutObject', object('users/alice/x'), {})).toBe(true);
    expect(evaluate([scoped], 'oss:PutObject', 'acs:oss:cn-hangzhou:1234567890:bucket/users/alice/x', {})).toBe(true);
    expect(evaluate([scoped], 'oss:PutObject', 'acs:oss:cn-beijing:1234567890:bucket/users/alice/x', {})).toBe(false);
    expect(evaluate([scoped], 'oss:PutObject', 'acs:oss:cn-hangzhou:999:bucket/users/alice/x', {})).toBe(false);
    // The relative id gets no such treatment: "*" there is an ordinary character of the key.
    expect(evaluate([scoped], 'oss:PutObject', 'acs:oss:*:*:*', {})).toBe(false);
  });

  it('matches bucket-level resources separately from object resources', () => {
    const list = policy(statement({ Effect: 'Allow', Action: 'oss:ListObjects', Resource: 'acs:oss:*:*:bucket' }));
    expect(evaluate([list], 'oss:ListObjects', 'acs:oss:*:*:bucket', {})).toBe(true);
    expect(evaluate([list], 'oss:ListObjects', 'acs:oss:*:*:bucket/x', {})).toBe(false);
    expect(evaluate([aliceUpload], 'oss:PutObject', 'acs:oss:*:*:bucket', {})).toBe(false);
  });

  it('supports "*" for everything and wildcard actions', () => {
    const admin = policy(statement({ Effect: 'Allow', Action: '*', Resource: '*' }));
    expect(evaluate([admin], 'ecs:RunInstances', 'acs:ecs:cn-hangzhou:1:instance/i-1', {})).toBe(true);
    const reads = policy(statement({ Effect: 'Allow', Action: 'oss:Get*', Resource: '*' }));
    expect(evaluate([reads], 'oss:GetObject', object('x'), {})).toBe(true);
    expect(evaluate([reads], 'oss:PutObject', object('x'), {})).toBe(false);
  });

  it('supports NotAction and NotResource', () => {
    const allButDelete = policy(statement({ Effect: 'Allow', NotAction: 'oss:Delete*', Resource: '*' }));
    expect(evaluate([allButDelete], 'oss:PutObject', object('x'), {})).toBe(true);
    expect(evaluate([allButDelete], 'oss:DeleteObject', object('x'), {})).toBe(false);
    const outsideAlice = policy({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'oss:PutObject', Resource: '*' },
        { Effect: 'Deny', Action: 'oss:PutObject', NotResource: ALICE_PREFIX },
      ],
    });
    expect(evaluate([outsideAlice], 'oss:PutObject', object('users/alice/x'), {})).toBe(true);
    expect(evaluate([outsideAlice], 'oss:PutObject', object('users/bob/x'), {})).toBe(false);
  });
});

describe('evaluate: Deny and intersection', () => {
  const roleUploads = policy(statement({ Effect: 'Allow', Action: 'oss:*', Resource: 'acs:oss:*:*:bucket/*' }));

  it('allows nothing with no documents', () => {
    expect(evaluate([], 'oss:PutObject', object('users/alice/x'), {})).toBe(false);
  });

  it('lets an explicit Deny win inside one document', () => {
    const withDeny = policy({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'oss:*', Resource: '*' },
        { Effect: 'Deny', Action: 'oss:PutObject', Resource: 'acs:oss:*:*:bucket/users/alice/private/*' },
      ],
    });
    expect(evaluate([withDeny], 'oss:PutObject', object('users/alice/public/x'), {})).toBe(true);
    expect(evaluate([withDeny], 'oss:PutObject', object('users/alice/private/x'), {})).toBe(false);
  });

  it('intersects: the session policy narrows the role', () => {
    expect(evaluate([roleUploads, aliceUpload], 'oss:PutObject', object('users/alice/x'), {})).toBe(true);
    expect(evaluate([roleUploads, aliceUpload], 'oss:GetObject', object('users/alice/x'), {})).toBe(false);
    expect(evaluate([roleUploads, aliceUpload], 'oss:PutObject', object('users/bob/x'), {})).toBe(false);
  });

  it('intersects: the session policy cannot widen the role', () => {
    const wide = policy(statement({ Effect: 'Allow', Action: '*', Resource: '*' }));
    expect(evaluate([roleUploads, wide], 'oss:PutObject', 'acs:oss:*:*:other-bucket/x', {})).toBe(false);
    expect(evaluate([roleUploads, wide], 'ecs:RunInstances', '*', {})).toBe(false);
  });

  it('lets a Deny in any document win over Allows in all of them, in either order', () => {
    const denyBob = policy(statement({ Effect: 'Deny', Action: '*', Resource: 'acs:oss:*:*:bucket/users/bob/*' }));
    const allowAll = policy(statement({ Effect: 'Allow', Action: '*', Resource: '*' }));
    expect(evaluate([allowAll, denyBob], 'oss:PutObject', object('users/bob/x'), {})).toBe(false);
    expect(evaluate([denyBob, allowAll], 'oss:PutObject', object('users/bob/x'), {})).toBe(false);
    // A document with only Denies allows nothing, so it also blocks everything else.
    expect(evaluate([allowAll, denyBob], 'oss:PutObject', object('users/alice/x'), {})).toBe(false);
  });
});

describe('evaluate: conditions', () => {
  const withCondition = (condition: Record<string, unknown>) =>
    policy(statement({ Effect: 'Allow', Action: 'oss:*', Resource: '*', Condition: condition }));
  const check = (doc: PolicyDocument, context: Record<string, string>) => evaluate([doc], 'oss:PutObject', object('x'), context);

  it('StringEquals / StringNotEquals, with a missing key false / true', () => {
    const equals = withCondition({ StringEquals: { 'oss:Prefix': ['a/', 'b/'] } });
    expect(check(equals, { 'oss:Prefix': 'b/' })).toBe(true);
    expect(check(equals, { 'oss:Prefix': 'B/' })).toBe(false);
    expect(check(equals, {})).toBe(false);
    const notEquals = withCondition({ StringNotEquals: { 'oss:Prefix': ['a/', 'b/'] } });
    expect(check(notEquals, { 'oss:Prefix': 'c/' })).toBe(true);
    expect(check(notEquals, { 'oss:Prefix': 'a/' })).toBe(false);
    expect(check(notEquals, {})).toBe(true);
  });

  it('looks context keys up case-insensitively', () => {
    const equals = withCondition({ StringEquals: { 'oss:Prefix': 'a/' } });
    expect(check(equals, { 'OSS:prefix': 'a/' })).toBe(true);
  });

  it('StringEqualsIgnoreCase and StringNotEqualsIgnoreCase', () => {
    expect(check(withCondition({ StringEqualsIgnoreCase: { k: 'ABC' } }), { k: 'abc' })).toBe(true);
    expect(check(withCondition({ StringNotEqualsIgnoreCase: { k: 'ABC' } }), { k: 'abc' })).toBe(false);
  });

  it('StringLike / StringNotLike with wildcards', () => {
    const like = withCondition({ StringLike: { 'oss:Prefix': 'users/alice/*' } });
    expect(check(like, { 'oss:Prefix': 'users/alice/2024/' })).toBe(true);
    expect(check(like, { 'oss:Prefix': 'users/alice2/' })).toBe(false);
    expect(check(like, {})).toBe(false);
    const notLike = withCondition({ StringNotLike: { 'oss:Prefix': 'users/*' } });
    expect(check(notLike, { 'oss:Prefix': 'public/' })).toBe(true);
    expect(check(notLike, { 'oss:Prefix': 'users/x' })).toBe(false);
    expect(check(notLike, {})).toBe(true);
  });

  it('Bool', () => {
    const https = withCondition({ Bool: { 'acs:SecureTransport': 'true' } });
    expect(check(https, { 'acs:SecureTransport': 'true' })).toBe(true);
    expect(check(https, { 'acs:SecureTransport': 'TRUE' })).toBe(true);
    expect(check(https, { 'acs:SecureTransport': 'false' })).toBe(false);
    expect(check(https, {})).toBe(false);
  });

  it('IpAddress / NotIpAddress with IPv4, IPv6 and single addresses', () => {
    const office = withCondition({ IpAddress: { 'acs:SourceIp': ['192.168.0.0/16', '10.1.2.3', '2001:db8::/32'] } });
    expect(check(office, { 'acs:SourceIp': '192.168.255.1' })).toBe(true);
    expect(check(office, { 'acs:SourceIp': '192.169.0.1' })).toBe(false);
    expect(check(office, { 'acs:SourceIp': '10.1.2.3' })).toBe(true);
    expect(check(office, { 'acs:SourceIp': '10.1.2.4' })).toBe(false);
    expect(check(office, { 'acs:SourceIp': '2001:db8::1' })).toBe(true);
    expect(check(office, { 'acs:SourceIp': '::ffff:192.168.1.1' })).toBe(true);
    expect(check(office, { 'acs:SourceIp': 'not-an-ip' })).toBe(false);
    expect(check(office, {})).toBe(false);
    const notOffice = withCondition({ NotIpAddress: { 'acs:SourceIp': '192.168.0.0/16' } });
    expect(check(notOffice, { 'acs:SourceIp': '8.8.8.8' })).toBe(true);
    expect(check(notOffice, { 'acs:SourceIp': '192.168.1.1' })).toBe(false);
    expect(check(notOffice, {})).toBe(true);
  });

  it('DateLessThan / DateGreaterThan compare instants, time zones included', () => {
    const window = withCondition({
      DateGreaterThan: { 'acs:CurrentTime': '2024-01-01T00:00:00Z' },
      DateLessThan: { 'acs:CurrentTime': '2024-01-01T09:00:00+08:00' }, // 01:00Z
    });
    expect(check(window, { 'acs:CurrentTime': '2023-12-31T23:59:59Z' })).toBe(false);
    expect(check(window, { 'acs:CurrentTime': '2024-01-01T00:00:00Z' })).toBe(false); // strictly greater
    expect(check(window, { 'acs:CurrentTime': '2024-01-01T00:30:00Z' })).toBe(true);
    expect(check(window, { 'acs:CurrentTime': '2024-01-01T08:30:00+08:00' })).toBe(true);
    expect(check(window, { 'acs:CurrentTime': '2024-01-01T01:00:00Z' })).toBe(false); // strictly less
    const before = withCondition({ DateLessThan: { 'acs:CurrentTime': '2024-06-01T00:00:00Z' } });
    expect(check(before, { 'acs:CurrentTime': '2024-05-31T23:59:59.999Z' })).toBe(true);
    expect(check(before, { 'acs:CurrentTime': '2024-06-01T00:00:00Z' })).toBe(false);
    expect(check(before, { 'acs:CurrentTime': 'yesterday' })).toBe(false);
    expect(check(before, {})).toBe(false);
  });

  it('Numeric operators', () => {
    const small = withCondition({ NumericLessThanEquals: { 'oss:MaxKeys': '100' } });
    expect(check(small, { 'oss:MaxKeys': '100' })).toBe(true);
    expect(check(small, { 'oss:MaxKeys': '101' })).toBe(false);
    expect(check(small, { 'oss:MaxKeys': 'ten' })).toBe(false);
  });

  it('ANDs operators and keys, ORs values', () => {
    const both = withCondition({
      StringEquals: { a: ['1', '2'], b: '3' },
      Bool: { 'acs:SecureTransport': 'true' },
    });
    expect(check(both, { a: '2', b: '3', 'acs:SecureTransport': 'true' })).toBe(true);
    expect(check(both, { a: '2', b: '4', 'acs:SecureTransport': 'true' })).toBe(false);
    expect(check(both, { a: '2', b: '3', 'acs:SecureTransport': 'false' })).toBe(false);
    expect(check(both, { a: '2', 'acs:SecureTransport': 'true' })).toBe(false);
  });

  it('lets a conditional Deny win only when its condition holds', () => {
    const httpOnlyDenied = policy({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'oss:*', Resource: '*' },
        { Effect: 'Deny', Action: 'oss:*', Resource: '*', Condition: { Bool: { 'acs:SecureTransport': 'false' } } },
      ],
    });
    expect(check(httpOnlyDenied, { 'acs:SecureTransport': 'true' })).toBe(true);
    expect(check(httpOnlyDenied, { 'acs:SecureTransport': 'false' })).toBe(false);
    // Missing key: the Deny's positive Bool is false, so the Allow stands.
    expect(check(httpOnlyDenied, {})).toBe(true);
  });
});
