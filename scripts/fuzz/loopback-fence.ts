/**
 * The fuzz run's safety fence. The worker runs in this process, and what the
 * fuzzer writes (an event webhook URL, a tool URL) is where the product would
 * send requests: this refuses, before any socket is opened, every HTTP request
 * from this process to a host outside loopback, and keeps what it refused.
 */
import http from 'node:http';
import https from 'node:https';

const LOOPBACK_NAMES = new Set(['localhost', '::1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_NAMES.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function hostOf(target: unknown): string {
  if (typeof target === 'string' || target instanceof URL) return new URL(target).hostname;
  const options = target as { hostname?: string; host?: string } | undefined;
  return options?.hostname ?? options?.host?.replace(/:\d+$/, '') ?? 'localhost';
}

/** Installs the fence; the answer lists the hosts it refused. */
export function installLoopbackFence(): { refused: Set<string> } {
  const refused = new Set<string>();
  const refuse = (host: string) => {
    refused.add(host);
    return new TypeError(`fuzz run: ${host} is not a loopback host; request refused`);
  };

  const originalFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const host = hostOf(input instanceof Request ? input.url : input);
    if (!isLoopbackHost(host)) return Promise.reject(refuse(host));
    return originalFetch(input, init);
  };

  for (const module of [http, https]) {
    for (const name of ['request', 'get'] as const) {
      const original = module[name] as (...args: unknown[]) => http.ClientRequest;
      (module as Record<string, unknown>)[name] = (...args: unknown[]) => {
        const host = hostOf(args[0]);
        if (!isLoopbackHost(host)) throw refuse(host);
        return original(...args);
      };
    }
  }
  return { refused };
}
