/** `npm start` run as a user runs it, in its own process group, for tests that need the whole stack. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { captureOutput } from './log-capture';

export interface StartedStack {
  url: string;
  /** The OSS emulator's origin, as printed (embedded mode). */
  ossUrl: string | undefined;
  output: () => string;
  /** Ctrl-C, then wait for the exit and the end of its output; resolves to the exit code or the signal name. */
  stop: () => Promise<string>;
  child: ChildProcessWithoutNullStreams;
}

function spawnNpmStart(env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn('npm', ['start', '--silent'], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, PORT: '0', OSS_EMULATOR_PORT: '0', STS_EMULATOR_PORT: '0', OSS_BUCKET: '', ...env },
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** `npm start` expected to refuse its configuration: resolves once it exits on its own (killed after 60 s). */
export async function npmStartRefusing(env: Record<string, string>): Promise<{ exitCode: number | null; output: string }> {
  const child = spawnNpmStart(env);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
    captureOutput(chunk.toString());
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  return { exitCode, output };
}

export async function npmStart(env: Record<string, string> = {}): Promise<StartedStack> {
  const child = spawnNpmStart(env);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
    captureOutput(chunk.toString());
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  // 'close', not 'exit': npm can exit before the server it started (which shares its pipes) has printed its last
  // lines or stopped serving; 'close' comes once every process holding the pipes is gone and all they wrote is read.
  const exited = new Promise<string>((resolve) => child.on('close', (code, signal) => resolve(`${code ?? ''}${signal ?? ''}`)));

  const started = Date.now();
  while (!output.includes('Ctrl-C stops everything') && child.exitCode === null && Date.now() - started < 60_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const url = /demo page\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1];
  if (url === undefined) {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    throw new Error(`npm start did not come up:\n${output}`);
  }
  return {
    url,
    ossUrl: /OSS emulator\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1],
    output: () => output,
    child,
    stop: async () => {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGINT');
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        exited,
        new Promise<string>((resolve) => (timer = setTimeout(() => resolve('timeout'), 10_000))),
      ]);
      clearTimeout(timer);
      if (outcome === 'timeout') process.kill(-child.pid!, 'SIGKILL');
      return outcome;
    },
  };
}
