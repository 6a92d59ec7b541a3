import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from './error-response.js';
import { REQUEST_ID_HEADER, RequestIds } from './request-id.js';

const PARSE_IDS = new RequestIds();

// What the client is told, without echoing the path it sent.
const FRAMEWORK_MESSAGES: Record<string, [number, string]> = {
  FST_ERR_BAD_URL: [400, 'the URL is not valid'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'a path parameter is too long'],
  FST_ERR_ASYNC_CONSTRAINT: [400, 'the request does not match a route constraint'],
};

/** Fastify's `frameworkErrors`: errors raised before routing get the service's body and request id. */
export function frameworkErrors(
  error: { code?: string; message: string },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const [statusCode, message] = FRAMEWORK_MESSAGES[error.code ?? ''] ?? [400, 'the request is not valid'];
  const response = toErrorResponse(Object.assign(new Error(message), { statusCode }), String(request.id));
  void reply.status(response.status).header(REQUEST_ID_HEADER, request.id).send(response.body);
}

// Node's code -> status, reason phrase, message.
const UNPARSED: [number, string, string] = [400, 'Bad Request', 'the request could not be parsed'];
const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', UNPARSED[2]],
  HPE_URI_TOO_LONG: [414, 'URI Too Long', UNPARSED[2]],
  // HTTP_HEADERS_TIMEOUT_MS or HTTP_REQUEST_TIMEOUT_MS passed before the request arrived whole.
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'the request did not arrive in time'],
};

/**
 * Fastify's `clientErrorHandler`: Node's HTTP parser refused the request (headers too large,
 * malformed request line, too slow to arrive) before any route saw it. The answer keeps the service's shape; the
 * connection is closed, since the parser's state is unknown.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [statusCode, reason, message] = CLIENT_ERRORS[error.code ?? ''] ?? UNPARSED;
  // No request object exists yet, so no id from Fastify: one from the same kind, tagged as such.
  const requestId = `parse-${PARSE_IDS.next()}`;
  const body = JSON.stringify(toErrorResponse(Object.assign(new Error(message), { statusCode }), requestId).body);
  socket.end(
    `HTTP/1.1 ${statusCode} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `${REQUEST_ID_HEADER}: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** More than one Host header (RFC 9112 says 400): which one names the target is ambiguous. */
export function hasDuplicateHost(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length === 4 && name.toLowerCase() === 'host') {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}
