/**
 * The DNS-rebinding guard of every local server. A web page on `evil.example` can point its own name at 127.0.0.1
 * and then read our answers as same-origin; the browser still sends `Host: evil.example:<port>`. So the local
 * servers answer only requests addressed to a name that cannot be made to point at this machine by someone else:
 * `127.0.0.1` (any 127/8 address), `[::1]`, `localhost` and `*.localhost` (RFC 6761: browsers resolve these to
 * loopback themselves). The port is not checked: port forwarding (`ssh -L`, containers) changes it, and it is the
 * name, not the port, that a rebinding page cannot fake. No import from `shared/`: the emulators use it too.
 */

/** The hostname of a `Host` header value, as browsers and `URL` normalise it (lower case, `127.1` → `127.0.0.1`). */
export function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (hostHeader === undefined || hostHeader === '' || /[/\\?#@\s]/.test(hostHeader)) return undefined;
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return undefined;
  }
}

export function isLoopbackName(hostname: string): boolean {
  return (
    hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/** True when the request is addressed to a loopback name; `alsoAllowed` may accept more (e.g. the OSS SDK's host). */
export function isLoopbackHostHeader(hostHeader: string | undefined, alsoAllowed: (hostname: string) => boolean = () => false): boolean {
  const hostname = hostnameOf(hostHeader);
  return hostname !== undefined && (isLoopbackName(hostname) || alsoAllowed(hostname));
}

/** The refusal's reason, the same words on every server. */
export const NOT_LOOPBACK_MESSAGE =
  'This local server answers only requests addressed to 127.0.0.1, localhost or [::1] (any port): ' +
  'the Host header names another host, which is how a DNS-rebinding page reaches loopback servers.';
