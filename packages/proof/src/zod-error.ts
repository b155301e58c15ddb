import type { z } from 'zod';

/** `steps[3].envelope: …` from a zod error: the first issue, with its path. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  let path = '';
  for (const segment of issue.path) {
    path += typeof segment === 'number' ? `[${segment}]` : `${path === '' ? '' : '.'}${String(segment)}`;
  }
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}
