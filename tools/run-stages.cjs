// Runs commands in turn, quiet on success (one line each), with everything a stage printed when it fails. What
// `npm test` is made of (tools/run-tests.mjs).
'use strict';
const { spawn } = require('node:child_process');

/**
 * @typedef {{ name: string, command: string[], summary?: RegExp }} Stage  `summary`: what of a passing run's output
 *   is worth its line.
 * @param {Stage[]} stages
 * @param {{ cwd: string, verbose?: boolean, write?: (text: string) => void }} options  `verbose`: every stage's output
 *   as it runs.
 * @returns {Promise<number>} 0 when every stage passed, else the failed stage's exit code.
 */
async function runStages(stages, options) {
  const write = options.write ?? ((text) => process.stdout.write(text));
  const started = performance.now();
  for (const stage of stages) {
    const { code, signal, output, seconds } = await runOne(stage, options);
    if (code !== 0) {
      if (!options.verbose) write(output.endsWith('\n') || output === '' ? output : `${output}\n`);
      write(`✗ ${stage.name} failed (${signal ?? `exit ${code}`}, ${seconds.toFixed(1)} s)\n`);
      return code;
    }
    const summary = stage.summary?.exec(output)?.[0].replace(/\s+/g, ' ');
    write(`✓ ${stage.name}${summary === undefined ? '' : `: ${summary}`} (${seconds.toFixed(1)} s)\n`);
  }
  write(`all passed in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  return 0;
}

function runOne(stage, { cwd, verbose }) {
  return new Promise((resolve) => {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const [command, ...args] = stage.command;
    const child = spawn(command, args, { cwd, stdio: ['ignore', verbose ? 'inherit' : 'pipe', verbose ? 'inherit' : 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ code: 1, signal: null, output: `${output}${error.message}\n`, seconds: seconds() }));
    // A stage killed by a signal has no exit code: it failed all the same.
    child.on('close', (code, signal) => resolve({ code: code ?? 1, signal, output, seconds: seconds() }));
  });
}

module.exports = { runStages };
