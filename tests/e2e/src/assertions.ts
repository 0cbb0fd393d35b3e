/** A response as `call` returns it. */
export interface CallResult {
  status: number;
  body: any;
  headers: Headers;
}

/**
 * Asserts the error shape with this status and code, and returns its
 * details for further checks.
 */
export function expectError(res: CallResult, status: number, code: string): { path: string; message: string }[] {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { error: { code, message: expect.any(String), details: expect.any(Array) } },
  });
  return res.body.error.details;
}

/** The `path` of each detail of an error answer. */
export function detailPaths(res: CallResult): string[] {
  return (res.body?.error?.details ?? []).map((d: { path: string }) => d.path);
}

/** An ISO 8601 UTC timestamp as Herald writes them. */
export const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
