/**
 * A Serverless Devs plugin, the stack's success-deploy action (s.yaml): for an existing bucket (CREATE_BUCKET=false),
 * applies the CORS and lifecycle rules through OSS's API (deploy/bucket-settings.ts) with the key of the deployer's
 * `s` access. `s` loads a local plugin by requiring this file and calls it with the step's inputs; it must answer
 * the inputs back.
 */
import OSS from 'ali-oss';
import { applyBucketSettings } from '../bucket-settings';
import { aliOssBucketSettings } from '../bucket-settings-oss';
import { readDeployOptions } from '../deployment';
import { deploymentConfig } from '../policies';
import { loadConfig } from '../../shared/config/sections';

interface PluginInputs {
  getCredential?: () => Promise<{ AccessKeyID?: string; AccessKeySecret?: string; SecurityToken?: string }>;
}

export default async function bucketSettingsPlugin(inputs: PluginInputs): Promise<PluginInputs> {
  const problems: string[] = [];
  const options = readDeployOptions(process.env, (problem) => void problems.push(problem));
  const loaded = loadConfig(process.env, deploymentConfig);
  if (!loaded.ok) problems.push(...loaded.problems);
  if (!loaded.ok || problems.length > 0) throw new Error(`bucket settings: ${problems.join('; ')}`);
  if (options.createBucket) return inputs; // the stack created the bucket with both rules
  const credential = (await inputs.getCredential?.()) ?? {};
  if (!credential.AccessKeyID || !credential.AccessKeySecret) throw new Error('bucket settings: the s access has no AccessKey');
  const client = new OSS({
    region: `oss-${loaded.config.region}`,
    bucket: loaded.config.bucket,
    accessKeyId: credential.AccessKeyID,
    accessKeySecret: credential.AccessKeySecret,
    ...(credential.SecurityToken ? { stsToken: credential.SecurityToken } : {}),
    secure: true,
    authorizationV4: true,
  });
  const changes = await applyBucketSettings(aliOssBucketSettings(client, loaded.config.bucket), loaded.config);
  process.stdout.write(
    changes.length === 0
      ? `bucket ${loaded.config.bucket}: CORS and lifecycle rules already in place\n`
      : changes.map((change) => `bucket ${loaded.config.bucket}: ${change}\n`).join(''),
  );
  return inputs;
}
