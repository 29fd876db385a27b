/**
 * Stands in for `debug` in the upload-completed bundle: file-type's zip reader (@tokenizer/inflate) creates one
 * logger and never enables it, and the real package probes the terminal and the environment when loaded (~3 ms
 * of the first sniff, measured). Same shape: a factory of disabled loggers.
 */
interface Logger {
  (...args: unknown[]): void;
  enabled: boolean;
  namespace: string;
  extend(namespace: string): Logger;
}

function createDebug(namespace: string): Logger {
  return Object.assign(() => undefined, { enabled: false, namespace, extend: (sub: string) => createDebug(`${namespace}:${sub}`) });
}

export default Object.assign(createDebug, { enable: () => undefined, disable: () => '', enabled: () => false });
