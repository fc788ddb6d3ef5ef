/**
 * The kubelet server without client-certificate authentication (its default:
 * plain HTTP on 127.0.0.1) runs commands in any container for whoever
 * reaches it. Two rules keep that to this machine's own processes:
 *
 * - `servingRefusal`: such a server may only listen on a loopback address,
 *   and HTTPS always comes with a client CA (the kubelet refuses to start
 *   otherwise, as the API server refuses anonymous access off loopback);
 * - `browserRefusal`: web pages on this machine are kept out, as the API
 *   server does in its insecure mode (apiserver/src/http/browser-guard.ts):
 *   a `Host` that is not a loopback name (DNS rebinding) and an `Origin` on a
 *   connection upgrade or a write (a cross-site WebSocket to /exec) are
 *   refused. The API server's kubelet client and the metrics scraper call
 *   the node's InternalIP (127.0.0.1 by default) and send no `Origin`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isLoopbackAddress, isLoopbackHost } from '@mk8s/api';

/** Why the kubelet may not serve like this (address and TLS settings), or undefined. */
export function servingRefusal(address: string, tls: { clientCA?: unknown } | undefined): string | undefined {
  if (tls && !tls.clientCA) {
    return 'serving HTTPS without a client CA would let anyone who reaches the kubelet run commands in its containers and read their logs: give --client-ca-file with --tls-cert-file';
  }
  if (!tls && !isLoopbackAddress(address)) {
    return `the kubelet authenticates nobody on plain HTTP, so it only listens on a loopback address (127.0.0.1, ::1, localhost), not "${address}": serve HTTPS with --tls-cert-file, --tls-private-key-file and --client-ca-file to listen elsewhere`;
  }
  return undefined;
}

/** Why a request that a web page could have sent is refused (unauthenticated kubelet only), or undefined. */
export function browserRefusal(method: string | undefined, headers: IncomingHttpHeaders): string | undefined {
  if (!isLoopbackHost(headers.host)) {
    return `this kubelet authenticates nobody and only serves requests addressed to a loopback name (localhost, 127.0.0.1, [::1]), not Host "${headers.host ?? ''}"`;
  }
  if (headers.origin !== undefined && (headers.upgrade !== undefined || (method !== 'GET' && method !== 'HEAD'))) {
    return `this kubelet authenticates nobody and refuses cross-origin requests from web pages (Origin "${headers.origin}")`;
  }
  return undefined;
}
