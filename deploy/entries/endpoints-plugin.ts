/**
 * A Serverless Devs plugin, the global success-deploy action (s.yaml): prints the function URLs and what a frontend
 * and an app set (deploy/endpoints.ts), from the outputs of the deployed fc3 steps. Prints; never fails a deploy.
 */
import { endpointLines, systemUrl } from '../endpoints';

interface Step {
  projectName?: string;
  output?: unknown;
}

export default async function endpointsPlugin(inputs: { steps?: Step[] }): Promise<unknown> {
  const output = (name: string): unknown => inputs.steps?.find((step) => step.projectName === name)?.output;
  const region = (process.env['OSS_REGION'] ?? '').replace(/^oss-/, '');
  const lines = endpointLines({
    signUrl: systemUrl(output('sign-url')),
    stsToken: systemUrl(output('sts-token')),
    bucket: process.env['OSS_BUCKET'] ?? '',
    region,
  });
  process.stdout.write(`\n${lines.join('\n')}\n`);
  return inputs;
}
