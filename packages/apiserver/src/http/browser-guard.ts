/**
 * Keeps web browsers away from an API server that authenticates nobody.
 *
 * In the insecure default (plain HTTP on loopback, anonymous requests,
 * `AlwaysAllow`) every request that reaches the port is cluster-admin. A
 * process on this machine is trusted that far; a web page it has open is
 * not, yet a browser will happily send requests to 127.0.0.1 for it:
 *
 * - DNS rebinding: a page on `evil.example` whose name later resolves to
 *   127.0.0.1 reads and writes the API as same-origin; the request still
 *   says `Host: evil.example:6443`.
 * - Cross-site WebSockets and "simple" requests (form posts, `no-cors`
 *   fetches): `ws://127.0.0.1:6443/.../pods/web/exec?command=...`, or a
 *   bodiless POST to `pods/<name>/eviction`. Browsers send `Origin` on these.
 *
 * `installBrowserGuard(app, contentTypes)` adds one `onRequest` hook (before
 * authentication) that refuses, with a 403 `Forbidden` Status:
 * - a request whose `Host` is not a loopback name (`localhost`, 127.0.0.0/8,
 *   `[::1]`, any port), or that has no `Host`;
 * - a request carrying `Origin` that asks for a connection upgrade or is not
 *   a GET or HEAD (kubectl, client-go, @kubernetes/client-node and
 *   @mk8s/client send no `Origin`);
 * and with a 415 a POST (not an upgrade) whose `Content-Type` is not one the
 * server decodes, even with an empty body, so no HTML form can post.
 *
 * Only for the insecure mode (`isUnauthenticated`): with authentication on,
 * a browser has no credentials to ride on (tokens and client certificates are
 * not sent by the browser on its own), and Kubernetes checks none of this.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthOptions } from '../auth/index.js';
import { errors, StatusError } from '../errors.js';
import { isLoopbackHost } from '@mk8s/api';

/** True when every request is served unauthenticated with everything allowed: anonymous on, `AlwaysAllow` among the authorizers. */
export function isUnauthenticated(auth: AuthOptions): boolean {
  return auth.anonymous === true && (auth.authorizationModes ?? []).includes('AlwaysAllow');
}

/** Why a browser-reachable request is refused, or undefined when it may go on (shared by the checks below and the tests). */
export function browserRefusal(req: Pick<FastifyRequest, 'method' | 'headers'>): string | undefined {
  const host = req.headers.host;
  if (!isLoopbackHost(host)) {
    return `the insecure API server only serves requests addressed to a loopback name (localhost, 127.0.0.1, [::1]), not Host "${host ?? ''}"; for remote access serve HTTPS with authentication (kube-apiserver --tls-cert-file with --client-ca-file or --token-auth-file; mk8s up --secure)`;
  }
  if (req.headers.origin !== undefined && (req.headers.upgrade !== undefined || (req.method !== 'GET' && req.method !== 'HEAD'))) {
    return `the insecure API server refuses cross-origin requests from web pages (Origin "${req.headers.origin}"): only GET and HEAD may carry an Origin header, and no connection upgrade`;
  }
  return undefined;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Adds the hook; call before authentication is installed so it runs first. */
export function installBrowserGuard(app: FastifyInstance, contentTypes: readonly string[]): void {
  const accepted = new Set(contentTypes.map((t) => t.toLowerCase()));
  app.addHook('onRequest', async (req) => {
    const why = browserRefusal(req);
    if (why) {
      req.log.warn({ host: req.headers.host, origin: req.headers.origin, method: req.method, url: req.url }, 'refused a browser-reachable request');
      throw new StatusError(403, 'Forbidden', why);
    }
    if (req.method === 'POST' && req.headers.upgrade === undefined && !accepted.has(mediaType(req.headers['content-type']))) {
      throw errors.unsupportedMediaType([...contentTypes]);
    }
  });
}
