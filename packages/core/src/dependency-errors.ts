const DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  'P1001', // can't reach database server
  'P1002',
  'P1017', // server closed the connection
  'P2024', // pool timeout
]);

const DOWN_MESSAGES = /ECONNREFUSED|Connection terminated|connect ETIMEDOUT|Can't reach database|Connection is closed|Stream isn't writeable|timeout exceeded when trying to connect|server closed the connection/i;

/**
 * Whether an error means PostgreSQL or Redis is unreachable (so the answer is
 * 503 `unavailable`, not 500). Looks through `cause` chains, since drivers wrap.
 */
export function isDependencyDown(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && DOWN_CODES.has(e.code)) return true;
  if (typeof e.message === 'string' && DOWN_MESSAGES.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDependencyDown(inner, depth + 1))) return true;
  return isDependencyDown(e.cause, depth + 1);
}
