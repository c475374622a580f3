/** Small helpers for the operator and notification routes in end-to-end tests. */
import type { Stack } from '../../scripts/stack.js';

export async function callApi(
  stack: Stack,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${stack.apiUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${stack.tenant.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Calls the API and fails with the answer when the status is not the expected one. */
export async function expectApi(
  stack: Stack,
  method: string,
  path: string,
  status: number,
  body?: unknown,
): Promise<any> {
  const answer = await callApi(stack, method, path, body);
  if (answer.status !== status) {
    throw new Error(
      `${method} ${path} answered ${answer.status}, not ${status}: ${JSON.stringify(answer.body)}`,
    );
  }
  return answer.body;
}
