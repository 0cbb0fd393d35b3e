import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** The status and message for a request Node could not parse, by Node's error code. */
function refusalOf(code: string | undefined): { status: number; message: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: `The request headers are larger than the server accepts (${maxHeaderSize} bytes in all).` };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'The request did not arrive in time.' };
    default:
      return { status: 400, message: 'The request is not valid HTTP.' };
  }
}

/**
 * The server's `clientError` listener: a request Node's parser refuses before
 * express sees it (headers over Node's limit, a malformed request line) is
 * answered in the error shape with an `X-Request-Id`, instead of
 * Node's bare status line, and the connection is closed.
 *
 * Nothing is written when the socket cannot take it, or when a response on
 * it has already started (a keep-alive connection whose next request is
 * bad): writing then would corrupt what the peer is reading.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // Node's own handler makes the same check; `_httpMessage` is the response in flight on the socket.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, message } = refusalOf(error.code);
  const body = JSON.stringify({ error: { code: 'validation_failed', message, details: [] } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${randomUUID()}\r\n` +
      'Connection: close\r\n' +
      '\r\n' +
      body,
  );
}
