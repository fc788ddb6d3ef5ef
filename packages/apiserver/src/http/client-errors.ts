/**
 * Replies for requests refused below the routes: by Node's HTTP parser
 * (malformed requests, oversized headers, a client too slow to send its
 * request) and by the router (a URL that cannot be decoded). Each is a
 * `kind: Status` body like every other error the API server sends, written
 * as Kubernetes writes one (`StatusError.body`).
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { errors, StatusError } from '../errors.js';
import { parseRequestInfo, rawPathOf } from './request-info.js';

/** Kubernetes' default request timeout (`--request-timeout`, 60 s) bounds reading a request. */
export const DEFAULT_REQUEST_READ_TIMEOUT_MS = 60_000;

/** The Status for a URL the router could not decode: the exact bad escape when there is one. */
export function badUrlStatus(url: string): StatusError {
  try {
    parseRequestInfo('GET', rawPathOf(url), {});
  } catch (err) {
    if (err instanceof StatusError) return err;
  }
  return errors.badRequest('the request URL could not be decoded');
}

function statusForClientError(code: string | undefined): StatusError {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new StatusError(408, 'Timeout', 'the request was not received in time');
    case 'HPE_HEADER_OVERFLOW':
      return new StatusError(431, '', 'the request headers are too large');
    default:
      return errors.badRequest(`the request could not be parsed as HTTP/1.1${code ? ` (${code})` : ''}`);
  }
}

/**
 * Node's `clientError` handler: writes the Status reply on the raw socket
 * (there is no request object yet) and closes the connection.
 */
export function clientErrorStatus(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  // As Node's own handler: no reply when a response on this socket has begun (a second status line would corrupt it).
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !current?.headersSent) {
    const status = statusForClientError(err.code);
    const body = status.body;
    socket.write(
      `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
