/** What a client of the local stack does over HTTP: sign in with a development token, call a function, list what was stored. */
import { createHash } from 'node:crypto';
import type { DevStack } from '../../local/dev-stack';
import { registerAnswer, registerIssued } from './log-capture';

export async function devToken(stack: Pick<DevStack, 'url'>, user: string): Promise<string> {
  const answer = (await (await fetch(`${stack.url}/api/dev-token?user=${encodeURIComponent(user)}`)).json()) as { token: string };
  registerIssued(answer.token);
  return answer.token;
}

/** POST a function with a JSON body, as the browser client does; the answer's secrets are registered for the log scan. */
export async function callFunction(
  stack: Pick<DevStack, 'url'>,
  name: 'sign-url' | 'sts-token',
  token: string,
  body: unknown = {},
): Promise<{ status: number; answer: Record<string, unknown> }> {
  const response = await fetch(`${stack.url}/api/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  registerAnswer(answer);
  return { status: response.status, answer };
}

export interface StoredObject {
  key: string;
  size: number;
  contentType: string;
  md5: string;
}

/** What the OSS emulator holds under `prefix`, with MD5s, from the dev server's `/api/dev-objects`. */
export async function storedObjects(stack: Pick<DevStack, 'url'>, prefix: string): Promise<StoredObject[]> {
  const response = await fetch(`${stack.url}/api/dev-objects?prefix=${encodeURIComponent(prefix)}`);
  return ((await response.json()) as { objects: StoredObject[] }).objects;
}

export const md5Hex = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

/** `<prefix><yyyy>/<mm>/`: the month folder keys are made in, as the server makes them. */
export function monthFolder(prefix: string, now = new Date()): string {
  return `${prefix}${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}/`;
}
