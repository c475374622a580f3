/**
 * Refuses a body by its declared size before a byte of it is read. Body parsers
 * read an oversized body to its end before they answer (to keep the connection
 * usable); declared oversize is answered at once and the connection closed, so
 * a client announcing a gigabyte costs one header parse. A chunked body has no
 * declared size: the parsers' own limit stops buffering it, and the request
 * timeout bounds how long it may keep sending.
 */
import type { RequestHandler, Response } from 'express';

export function declaredBodyBytes(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

export function refuseDeclaredOversize(
  maxBytes: number,
  refuse: (response: Response, next: (error?: unknown) => void) => void,
): RequestHandler {
  return (request, response, next) => {
    const declared = declaredBodyBytes(request.header('content-length'));
    if (declared === undefined || declared <= maxBytes) {
      next();
      return;
    }
    // The unread body must not be drained for a next request on this connection.
    response.setHeader('connection', 'close');
    refuse(response, next);
  };
}
