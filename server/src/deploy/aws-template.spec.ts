import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { DETAIL_TYPES } from '@streamcat/ivs-events';
import { envSchema } from '../config/config.schema';

// deploy/streamcat.cloudformation.yaml cannot be deployed from here (no AWS), so this checks
// what would make it wrong for StreamCat: the IAM policy against the IVS calls server/src
// actually makes, the bucket's privacy, the CORS origin, the event route and the outputs the
// server's configuration reads.

const root = join(__dirname, '../../..');
const serverSrc = join(root, 'server/src');
const TEMPLATE = join(root, 'deploy/streamcat.cloudformation.yaml');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };
interface Template {
  Parameters: Record<string, Obj>;
  Conditions: Record<string, Json>;
  Resources: Record<string, { Type: string; Properties?: Obj; Condition?: string; DependsOn?: Json }>;
  Outputs: Record<string, { Value: Json; Description?: string; Condition?: string }>;
}

// ---------------------------------------------------------------------------------------------
// Reading the template: YAML with CloudFormation's short-form tags (!Ref X -> {Ref: X},
// !Sub s -> {"Fn::Sub": s}, !GetAtt A.B -> {"Fn::GetAtt": [A, B]}, ...), as CloudFormation does.
// ---------------------------------------------------------------------------------------------

function toJson(node: unknown, doc: ReturnType<typeof parseDocument>): Json {
  if (isAlias(node)) return toJson(node.resolve(doc), doc);
  let value: Json;
  if (isMap(node)) {
    const out: Obj = {};
    for (const pair of node.items) out[String(toJson(pair.key, doc))] = toJson(pair.value, doc);
    value = out;
  } else if (isSeq(node)) {
    value = node.items.map((item) => toJson(item, doc));
  } else if (isScalar(node)) {
    value = node.value as Json;
  } else {
    throw new Error(`unexpected YAML node ${String(node)}`);
  }
  const tag = (node as { tag?: string }).tag;
  if (!tag?.startsWith('!')) return value;
  const fn = tag.slice(1);
  if (fn === 'Ref' || fn === 'Condition') return { [fn]: value };
  if (fn === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${fn}`]: value };
}

function loadTemplate(text: string): Template {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) throw new Error(doc.errors.map((e) => e.message).join('\n'));
  // The short-form tags are unknown to a plain YAML parser; anything else it warns about is real.
  const other = doc.warnings.filter((w) => !/Unresolved tag: !/.test(w.message));
  if (other.length) throw new Error(other.map((w) => w.message).join('\n'));
  return toJson(doc.contents, doc) as unknown as Template;
}

/**
 * Evaluates the intrinsic functions the checks need, with parameter values and pseudo
 * parameters given; a resource's Ref or attribute becomes a placeholder such as <Bucket.Arn>.
 */
function evaluate(v: Json, tpl: Template, params: Record<string, string>): Json {
  const pseudo: Record<string, string> = { 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '123456789012', 'AWS::Partition': 'aws' };
  const ref = (name: string): string => {
    if (name in pseudo) return pseudo[name];
    if (name in params) return params[name];
    if (name in tpl.Resources) return `<${name}>`;
    throw new Error(`Ref to unknown ${name}`);
  };
  if (Array.isArray(v)) return v.map((x) => evaluate(x, tpl, params));
  if (v === null || typeof v !== 'object') return v;
  const [key] = Object.keys(v);
  const arg = v[key];
  switch (key) {
    case 'Ref':
      return ref(String(arg));
    case 'Fn::GetAtt':
      return `<${(arg as string[]).join('.')}>`;
    case 'Fn::Sub': {
      const [text, vars] = typeof arg === 'string' ? [arg, {} as Obj] : (arg as [string, Obj]);
      return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
        if (name in vars) return String(evaluate(vars[name], tpl, params));
        const dot = name.indexOf('.');
        return dot > 0 && !name.startsWith('AWS::') ? `<${name}>` : ref(name);
      });
    }
    case 'Fn::Join': {
      const [sep, parts] = arg as [string, Json[]];
      return parts.map((p) => String(evaluate(p, tpl, params))).join(sep);
    }
    case 'Fn::Split': {
      const [sep, text] = arg as [string, Json];
      return String(evaluate(text, tpl, params)).split(sep);
    }
    case 'Fn::Select': {
      const [index, list] = arg as [Json, Json];
      return (evaluate(list, tpl, params) as Json[])[Number(evaluate(index, tpl, params))];
    }
    default:
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, evaluate(x, tpl, params)]));
  }
}

/** Every name a Ref, GetAtt, Sub or Condition uses, with where it is used. */
function references(v: Json, path = ''): { name: string; kind: 'ref' | 'condition'; at: string }[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => references(x, `${path}[${i}]`));
  if (v === null || typeof v !== 'object') return [];
  const found: { name: string; kind: 'ref' | 'condition'; at: string }[] = [];
  for (const [k, x] of Object.entries(v)) {
    if (k === 'Ref') found.push({ name: String(x), kind: 'ref', at: path });
    else if (k === 'Condition' && typeof x === 'string') found.push({ name: x, kind: 'condition', at: path });
    else if (k === 'Fn::GetAtt') found.push({ name: String((x as Json[])[0]), kind: 'ref', at: path });
    else if (k === 'Fn::If') found.push({ name: String((x as Json[])[0]), kind: 'condition', at: path });
    else if (k === 'Fn::Sub') {
      const text = typeof x === 'string' ? x : String((x as Json[])[0]);
      for (const m of text.matchAll(/\$\{([^}!.]+)[^}]*\}/g)) found.push({ name: m[1], kind: 'ref', at: path });
    }
    found.push(...references(x, `${path}.${k}`));
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// What the server does with IVS, read from its source.
// ---------------------------------------------------------------------------------------------

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The text between the parenthesis at `open` and its match. */
function argumentsAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error('unbalanced parentheses');
}

/**
 * The IAM actions server/src needs: `ivs:<Name>` for every `new <Name>Command(` whose class
 * comes from an IVS SDK package, and ivs:TagResource when any of them is sent with tags
 * (IVS authorises tags on creation as TagResource too).
 */
function ivsActionsCalled(files: string[]): { actions: string[]; calls: { action: string; file: string }[] } {
  const calls: { action: string; file: string }[] = [];
  let tagged = false;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const imported = new Set<string>();
    for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/client-ivs(?:-realtime)?'/g)) {
      for (const name of m[1].split(',')) {
        const local = name
          .trim()
          .split(/\s+as\s+/)
          .pop()!;
        if (local.endsWith('Command')) imported.add(local);
      }
    }
    for (const m of text.matchAll(/new\s+(\w+)Command\s*\(/g)) {
      if (!imported.has(`${m[1]}Command`)) continue;
      calls.push({ action: `ivs:${m[1]}`, file: relative(root, file) });
      if (/\btags\s*:/.test(argumentsAt(text, m.index + m[0].length - 1))) tagged = true;
    }
  }
  const actions = new Set(calls.map((c) => c.action));
  if (tagged) actions.add('ivs:TagResource');
  return { actions: [...actions].sort(), calls };
}

/**
 * The resource types each IVS action applies to, from the IVS service authorization reference
 * ("Actions, resources, and condition keys for Amazon Interactive Video Service"). A grant on
 * exactly these (in this account and region) is the tightest IVS allows; [] means the action
 * supports only Resource "*". An action missing here has to be looked up there and added.
 */
const IVS_RESOURCE_TYPES: Record<string, string[]> = {
  'ivs:CreateChannel': ['channel', 'stream-key'],
  'ivs:DeleteChannel': ['channel', 'stream-key'],
  'ivs:ListStreamKeys': ['channel', 'stream-key'],
  'ivs:GetStream': ['channel'],
  'ivs:StopStream': ['channel'],
  'ivs:CreateStreamKey': ['stream-key'],
  'ivs:DeleteStreamKey': ['stream-key'],
  'ivs:CreateStage': ['stage'],
  'ivs:DeleteStage': ['stage'],
  'ivs:GetStage': ['stage'],
  'ivs:ListStages': ['stage'],
  'ivs:CreateParticipantToken': ['stage'],
  'ivs:DisconnectParticipant': ['stage'],
  // Channel and storage configuration are optional types; the programme goes to a channel only.
  'ivs:StartComposition': ['channel', 'encoder-configuration', 'stage'],
  'ivs:GetComposition': ['composition'],
  'ivs:StopComposition': ['composition'],
  'ivs:CreateEncoderConfiguration': ['encoder-configuration'],
  'ivs:ListEncoderConfigurations': [],
  // What the server creates with tags: channels, stages, compositions.
  'ivs:TagResource': ['channel', 'composition', 'stage'],
};

const asList = (v: Json | undefined): Json[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * action -> resource types it is granted on ('*' for Resource "*") by a policy document, and
 * whatever in it is not a plain Allow of IVS resources in this account and region.
 */
function grants(policy: Obj, tpl: Template): { granted: Map<string, Set<string>>; problems: string[] } {
  const out = new Map<string, Set<string>>();
  const problems: string[] = [];
  for (const s of asList(policy.Statement) as Obj[]) {
    const sid = String(s.Sid);
    if (s.Effect !== 'Allow' || s.NotAction !== undefined || s.NotResource !== undefined || s.NotPrincipal !== undefined)
      problems.push(`${sid}: not a plain Allow`);
    const resources = asList(evaluate(s.Resource ?? null, tpl, {})).map((r) => {
      if (r === '*') return '*';
      const m = /^arn:aws:ivs:eu-west-1:123456789012:([a-z-]+)\/\*$/.exec(String(r));
      if (!m) problems.push(`${sid}: ${String(r)} is not an IVS resource type in this account and region`);
      return m ? m[1] : String(r);
    });
    for (const action of asList(s.Action).map(String)) {
      const set = out.get(action) ?? new Set<string>();
      resources.forEach((r) => set.add(r));
      out.set(action, set);
    }
  }
  return { granted: out, problems };
}

const pascal = (env: string) =>
  env
    .toLowerCase()
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');

describe('deploy/streamcat.cloudformation.yaml', () => {
  const tpl = loadTemplate(readFileSync(TEMPLATE, 'utf8'));
  const ofType = (type: string) => Object.entries(tpl.Resources).filter(([, r]) => r.Type === type);
  const one = (type: string) => {
    const found = ofType(type);
    expect(found.map(([id]) => id)).toHaveLength(1);
    return { id: found[0][0], props: found[0][1].Properties ?? {} };
  };
  const params = { PublicUrl: 'https://studio.example.com/base', IvsEventsApiKey: 'k'.repeat(16) };

  it('parses with its short-form tags and every Ref, GetAtt, Sub and condition names something declared', () => {
    expect(tpl.Resources.RecordingsBucketPolicy.Properties!.Bucket).toEqual({ Ref: 'RecordingsBucket' });
    expect(tpl.Outputs.IvsRecordingConfigurationArn.Value).toEqual({ 'Fn::GetAtt': ['RecordingConfiguration', 'Arn'] });
    const declared = new Set([
      ...Object.keys(tpl.Parameters),
      ...Object.keys(tpl.Resources),
      'AWS::Region',
      'AWS::AccountId',
      'AWS::Partition',
      'AWS::StackName',
      'AWS::NoValue',
    ]);
    const conditions = new Set(Object.keys(tpl.Conditions));
    const all = references({ ...tpl.Resources, ...tpl.Outputs, ...tpl.Conditions } as unknown as Json);
    expect(all.length).toBeGreaterThan(30);
    expect(all.filter((r) => (r.kind === 'ref' ? !declared.has(r.name) : !conditions.has(r.name)))).toEqual([]);
    for (const [id, r] of [...Object.entries(tpl.Resources), ...Object.entries(tpl.Outputs)]) {
      if (r.Condition) expect([id, conditions.has(r.Condition)]).toEqual([id, true]);
    }
  });

  it('has a resource of each kind a deployment needs', () => {
    for (const type of [
      'AWS::IAM::ManagedPolicy',
      'AWS::S3::Bucket',
      'AWS::S3::BucketPolicy',
      'AWS::IVS::RecordingConfiguration',
      'AWS::IVS::StorageConfiguration',
      'AWS::CloudFront::OriginAccessControl',
      'AWS::CloudFront::ResponseHeadersPolicy',
      'AWS::CloudFront::Distribution',
      'AWS::Events::Connection',
      'AWS::Events::ApiDestination',
      'AWS::Events::Rule',
      'AWS::SQS::Queue',
    ])
      expect([type, ofType(type).length]).toEqual([type, 1]);
    expect(tpl.Parameters.IvsEventsApiKey.NoEcho).toBe(true);
    expect(tpl.Parameters.PublicUrl).toBeDefined();
  });

  describe("the server's IAM policy", () => {
    const called = ivsActionsCalled(sourceFiles(serverSrc));
    const policy = one('AWS::IAM::ManagedPolicy').props.PolicyDocument as Obj;
    const { granted, problems } = grants(policy, tpl);

    it('is plain Allow statements on IVS resources of this account and region', () => {
      expect(problems).toEqual([]);
      expect(granted.size).toBeGreaterThan(0);
    });

    it('is derived from calls found in server/src (the scan itself works)', () => {
      expect(called.calls.length).toBeGreaterThanOrEqual(15);
      expect(called.actions).toEqual(
        expect.arrayContaining(['ivs:CreateChannel', 'ivs:CreateStage', 'ivs:StartComposition', 'ivs:TagResource']),
      );
      expect(called.calls.every((c) => c.file.startsWith('server/src/'))).toBe(true);
    });

    it('grants every IVS action the server calls', () => {
      expect(called.actions.filter((a) => !granted.has(a))).toEqual([]);
    });

    it('grants nothing the server does not call, and no wildcard actions', () => {
      expect([...granted.keys()].filter((a) => !called.actions.includes(a))).toEqual([]);
      expect([...granted.keys()].filter((a) => a.includes('*') || !a.startsWith('ivs:'))).toEqual([]);
    });

    it('scopes each action to the IVS resource types it applies to, "*" only where IVS allows nothing else', () => {
      const unknown = called.actions.filter((a) => !(a in IVS_RESOURCE_TYPES));
      expect(unknown).toEqual([]); // look these up in the IVS service authorization reference
      for (const [action, types] of granted) {
        const expected = IVS_RESOURCE_TYPES[action].length ? [...IVS_RESOURCE_TYPES[action]].sort() : ['*'];
        expect([action, [...types].sort()]).toEqual([action, expected]);
      }
    });

    it('is what the server user or role carries', () => {
      const ref = { Ref: one('AWS::IAM::ManagedPolicy').id };
      expect(one('AWS::IAM::User').props.ManagedPolicyArns).toEqual([ref]);
      const roles = ofType('AWS::IAM::Role').filter(([, r]) => asList(r.Properties?.ManagedPolicyArns).length);
      expect(roles.map(([, r]) => r.Properties!.ManagedPolicyArns)).toEqual([[ref]]);
    });
  });

  describe('recordings', () => {
    const bucket = one('AWS::S3::Bucket');
    const bucketPolicy = one('AWS::S3::BucketPolicy');
    const statements = asList((bucketPolicy.props.PolicyDocument as Obj).Statement) as Obj[];

    it('keeps the bucket private and encrypted with S3-managed keys (IVS real-time needs SSE-S3)', () => {
      expect(bucket.props.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.props.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(bucket.props.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
      expect(statements.filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Principal).includes('"*"'))).toEqual([]);
      expect(statements.filter((s) => s.Effect === 'Allow' && s.Principal === '*')).toEqual([]);
    });

    it('lets IVS write and only this CloudFront distribution read', () => {
      expect(bucketPolicy.props.Bucket).toEqual({ Ref: bucket.id });
      const byService = (svc: string) => statements.filter((s) => s.Effect === 'Allow' && (s.Principal as Obj)?.Service === svc);
      const ivs = byService('ivs.amazonaws.com');
      expect(ivs.map((s) => s.Action)).toEqual(['s3:PutObject']);
      const cf = byService('cloudfront.amazonaws.com');
      expect(cf.map((s) => s.Action)).toEqual(['s3:GetObject']);
      const distribution = one('AWS::CloudFront::Distribution').id;
      expect(evaluate(cf[0].Condition, tpl, params)).toEqual({
        StringEquals: { 'AWS:SourceArn': `arn:aws:cloudfront::123456789012:distribution/<${distribution}>` },
      });
      expect(statements.filter((s) => s.Effect === 'Allow')).toHaveLength(2);
    });

    it('records channels and real-time sessions into that bucket', () => {
      const rc = one('AWS::IVS::RecordingConfiguration').props;
      expect(rc.DestinationConfiguration).toEqual({ S3: { BucketName: { Ref: bucket.id } } });
      expect(rc.RecordingReconnectWindowSeconds).toEqual({ Ref: 'RecordingReconnectWindowSeconds' });
      expect(tpl.Parameters.RecordingReconnectWindowSeconds.Default).toBeGreaterThanOrEqual(30);
      expect(one('AWS::IVS::StorageConfiguration').props.S3).toEqual({ BucketName: { Ref: bucket.id } });
    });

    it('serves the bucket through CloudFront with an origin access control and CORS for the PublicUrl origin', () => {
      const dc = one('AWS::CloudFront::Distribution').props.DistributionConfig as Obj;
      const [origin] = dc.Origins as Obj[];
      expect(origin.DomainName).toEqual({ 'Fn::GetAtt': [bucket.id, 'RegionalDomainName'] });
      expect(origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [one('AWS::CloudFront::OriginAccessControl').id, 'Id'] });
      const behaviour = dc.DefaultCacheBehavior as Obj;
      expect(behaviour.ResponseHeadersPolicyId).toEqual({ Ref: one('AWS::CloudFront::ResponseHeadersPolicy').id });
      expect(behaviour.ViewerProtocolPolicy).not.toBe('allow-all');

      const cors = (one('AWS::CloudFront::ResponseHeadersPolicy').props.ResponseHeadersPolicyConfig as Obj).CorsConfig as Obj;
      const origins = (cors.AccessControlAllowOrigins as Obj).Items;
      // The browser's Origin is scheme and host: PublicUrl's path must not end up in it.
      expect(evaluate(origins, tpl, params)).toEqual(['https://studio.example.com']);
      expect(evaluate(origins, tpl, { ...params, PublicUrl: 'https://live.example.org:8443' })).toEqual(['https://live.example.org:8443']);
      expect(references(origins)).toEqual([expect.objectContaining({ name: 'PublicUrl' })]);
      expect((cors.AccessControlAllowMethods as Obj).Items).toEqual(['GET', 'HEAD']);
      expect(cors.AccessControlAllowCredentials).toBe(false);
    });
  });

  describe('IVS events', () => {
    const controller = readFileSync(join(serverSrc, 'ivs-events/ivs-events.controller.ts'), 'utf8');
    const header = /@Headers\('([^']+)'\)/.exec(controller)![1];
    const path = /@Controller\('([^']+)'\)/.exec(controller)![1];

    it('match source aws.ivs and go to the API destination, with retries and a dead-letter queue', () => {
      const rule = one('AWS::Events::Rule').props;
      expect((rule.EventPattern as Obj).source).toEqual(['aws.ivs']);
      // Every detail-type the pipeline acts on is delivered.
      expect([...((rule.EventPattern as Obj)['detail-type'] as string[])].sort()).toEqual(Object.values(DETAIL_TYPES).sort());
      const [target] = rule.Targets as Obj[];
      expect((rule.Targets as Obj[]).length).toBe(1);
      expect(target.Arn).toEqual({ 'Fn::GetAtt': [one('AWS::Events::ApiDestination').id, 'Arn'] });
      expect(target.RetryPolicy).toEqual(expect.objectContaining({ MaximumRetryAttempts: expect.any(Number) }));
      expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [one('AWS::SQS::Queue').id, 'Arn'] } });
    });

    it("POST to the server's events route with the API key in the header it reads", () => {
      const dest = one('AWS::Events::ApiDestination').props;
      expect(dest.HttpMethod).toBe('POST');
      expect(evaluate(dest.InvocationEndpoint, tpl, params)).toBe(`${params.PublicUrl}/${path}`);
      const auth = (one('AWS::Events::Connection').props.AuthParameters as Obj).ApiKeyAuthParameters as Obj;
      expect(auth.ApiKeyName).toBe(header);
      expect(auth.ApiKeyValue).toEqual({ Ref: 'IvsEventsApiKey' });
    });
  });

  describe('outputs', () => {
    // What this stack provides of the server's environment (the rest are secrets and the database).
    const provided = ['AWS_REGION', 'IVS_RECORDING_CONFIGURATION_ARN', 'IVS_STORAGE_CONFIGURATION_ARN', 'RECORDINGS_BASE_URL'];
    const line = String(evaluate(tpl.Outputs.ServerEnvironment.Value, tpl, params));

    it('name each variable exactly as the server reads it', () => {
      for (const name of provided) {
        expect([name, name in envSchema.shape]).toEqual([name, true]);
        expect([name, tpl.Outputs[pascal(name)]?.Description]).toEqual([name, name]);
        expect(line).toContain(`${name}=`);
      }
      const names = line.split(' ').map((pair) => pair.split('=')[0]);
      expect(names.filter((n) => !(n in envSchema.shape))).toEqual([]);
    });

    it('give the values the server needs', () => {
      expect(line).toContain(`MEDIA_PROVIDER=aws`);
      expect(line).toContain(`AWS_REGION=eu-west-1`);
      expect(line).toContain(`PUBLIC_URL=${params.PublicUrl}`);
      expect(line).toContain(`IVS_RECORDING_CONFIGURATION_ARN=<${one('AWS::IVS::RecordingConfiguration').id}.Arn>`);
      expect(line).toContain(`RECORDINGS_BASE_URL=https://<${one('AWS::CloudFront::Distribution').id}.DomainName>`);
      expect(evaluate(tpl.Outputs.RecordingsBaseUrl.Value, tpl, params)).toBe(
        `https://<${one('AWS::CloudFront::Distribution').id}.DomainName>`,
      );
      expect(tpl.Outputs.IvsStorageConfigurationArn.Value).toEqual({ 'Fn::GetAtt': [one('AWS::IVS::StorageConfiguration').id, 'Arn'] });
      expect(line).toContain(`IVS_STORAGE_CONFIGURATION_ARN=<${one('AWS::IVS::StorageConfiguration').id}.Arn>`);
    });
  });
});
