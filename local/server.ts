/**
 * `npm start`: the whole flow on loopback with no configuration. Ports: PORT (9000), OSS_EMULATOR_PORT (9100),
 * STS_EMULATOR_PORT (9200). `--data <folder>` (or OSS_EMULATOR_DATA) keeps uploaded objects across restarts.
 */
import { isHttpFunction } from '../functions/manifest';
import { FUNCTIONS } from '../functions/registry';
import { CONFIG_VARIABLES } from '../shared/config/variables';
import { startDevStack } from './dev-stack';
import { nearMisses } from './near-misses';

/** The ports npm start listens on, by the variable that sets each. */
const PORT_VARIABLES = { PORT: 9000, OSS_EMULATOR_PORT: 9100, STS_EMULATOR_PORT: 9200 } as const;
type PortVariable = keyof typeof PORT_VARIABLES;
/** What npm start reads besides the functions' configuration. */
const LOCAL_VARIABLES = [...Object.keys(PORT_VARIABLES), 'OSS_EMULATOR_DATA'];

function portFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`${name} must be a port number (0-65535), got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return port;
}

/** A port taken by another program is named by the variable that moves it. */
function portInUseMessage(error: unknown, ports: Record<PortVariable, number>): string | undefined {
  const { code, port } = (error ?? {}) as { code?: unknown; port?: unknown };
  if (code !== 'EADDRINUSE') return undefined;
  const variable = (Object.keys(ports) as PortVariable[]).find((name) => ports[name] === port);
  return `port ${String(port)} is in use${variable === undefined ? '' : `: set ${variable} to another port (0 picks a free one)`}`;
}

async function main(): Promise<void> {
  const dataFlag = process.argv.indexOf('--data');
  const ossDataDir = dataFlag >= 0 ? process.argv[dataFlag + 1] : process.env['OSS_EMULATOR_DATA'] || undefined;
  const ports = {
    PORT: portFrom('PORT', PORT_VARIABLES.PORT),
    OSS_EMULATOR_PORT: portFrom('OSS_EMULATOR_PORT', PORT_VARIABLES.OSS_EMULATOR_PORT),
    STS_EMULATOR_PORT: portFrom('STS_EMULATOR_PORT', PORT_VARIABLES.STS_EMULATOR_PORT),
  };
  const stack = await startDevStack({
    port: ports.PORT,
    ossPort: ports.OSS_EMULATOR_PORT,
    stsPort: ports.STS_EMULATOR_PORT,
    ...(ossDataDir === undefined ? {} : { ossDataDir }),
  }).catch((error: unknown) => {
    throw new Error(portInUseMessage(error, ports) ?? (error instanceof Error ? error.message : String(error)));
  });

  // One column for every label, as wide as the longest function name.
  const row = (label: string, value: string): string => `  ${label.padEnd(17)} ${value}`;
  const lines = [
    '',
    row(
      'mode',
      stack.mode === 'embedded'
        ? 'local: OSS and STS emulators on loopback (OSS_BUCKET is not set)'
        : `cloud: the real OSS bucket ${stack.env['OSS_BUCKET']}, no emulators (OSS_BUCKET is set)`,
    ),
    ...nearMisses(Object.keys(process.env), [...CONFIG_VARIABLES, ...LOCAL_VARIABLES]).map(({ given, meant }) =>
      row('warning', `${given} is not a variable npm start reads; did you mean ${meant}?`),
    ),
    row('demo page', `${stack.url}/`),
    ...FUNCTIONS.map((fn) =>
      isHttpFunction(fn)
        ? row(fn.name, `POST ${stack.url}${fn.route}`)
        : row(fn.name, `on every object the OSS emulator stores (${fn.trigger} trigger)`),
    ),
    row('health', `${stack.url}/healthz`),
  ];
  if (stack.mode === 'embedded') {
    const devTokens = stack.devTokens;
    lines.push(
      devTokens.kind === 'on' ? row('dev token', `${stack.url}/api/dev-token?user=alice`) : row('dev token', devTokens.reason),
      row(
        'OSS emulator',
        `${stack.oss?.url ?? '-'} (bucket ${stack.env['OSS_BUCKET']}${ossDataDir === undefined ? ', in memory' : `, stored in ${ossDataDir}`})`,
      ),
      row('STS emulator', stack.sts?.url ?? '-'),
      stack.webhookReceiver === undefined
        ? row('verdicts', 'upload-completed posts them to your UPLOAD_WEBHOOK_URL')
        : row('verdicts', `${stack.url}/api/dev-verdicts (upload-completed's webhooks, verified by the stack's receiver)`),
      '',
      stack.fromEnvironment.length === 0
        ? '  from your environment: nothing (docs/local-stack.md lists what npm start honours)'
        : '  from your environment:',
      ...stack.fromEnvironment.map((line) => `    ${line}`),
      '',
      '  try it:',
      devTokens.kind === 'on'
        ? `    TOKEN=$(curl -s '${stack.url}/api/dev-token?user=alice' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')`
        : '    TOKEN=<a token from your own login>',
      `    curl -s -X POST ${stack.url}/api/sign-url -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\`,
      `      -d '{"filename":"cat.png","contentType":"image/png","size":12345}'`,
    );
  } else {
    lines.push('', `  cloud mode: signing for bucket ${stack.env['OSS_BUCKET']} with your configuration; no emulators started`);
    // Not fatal here: a deployment may configure only some functions; those lines say which requests will answer 500.
    for (const problem of stack.configurationProblems) lines.push(`  configuration problem: ${problem}`);
  }
  console.log(`${lines.join('\n')}\n\n  Ctrl-C stops everything.\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    stack.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
