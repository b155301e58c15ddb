import { execFileSync } from 'node:child_process';

/**
 * Runs a Python 3 snippet that reads a JSON document on stdin and prints one line; the result
 * is an independent reference computed without any of this package's code.
 */
export function runPython(script: string, input: unknown): string {
  return execFileSync('python3', ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
  }).trim();
}
