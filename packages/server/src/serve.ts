import { CliError, EXIT_CODES, parseOptions, type ExitCode, type ParsedArgs } from '@aos/proof/cli-kit';
import { openService, type AosService } from '@aos/core/service';
import { wholeNumberOption } from '@aos/proof/cli-kit/schemas';
import { z } from 'zod';
import { buildApp } from './app';
import type { ServerCliContext } from './main';
import { appOptionsFromEnv } from './server-config';

const ServeOptionsSchema = z.object({
  port: wholeNumberOption(0, 65_535),
  host: z.string().min(1, 'must not be empty'),
  databaseUrl: z.string().min(1, 'must not be empty').optional(),
  // 0: only int-cli worker processes execute runs.
  workers: wholeNumberOption(0, 256),
});

// Any failure before the server listens is a refusal to start: exit 1 with one line naming it
// (the kit would map CONFIG_INVALID to 2, which means "bad flag" for the other bins).
function refusal(error: unknown): CliError {
  if (error instanceof CliError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(typeof code === 'string' ? code : 'INTERNAL', message, EXIT_CODES.operational, { cause: error });
}

function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

/**
 * `aos-server`: opens the service (refusing what it must), listens, prints
 * `aos-server listening on <url>` on stderr, and on SIGTERM or SIGINT stops accepting, finishes
 * in-flight requests, drains its worker (each attempt stops after its current step and releases
 * its run; bounded by AOS_SHUTDOWN_TIMEOUT_MS), closes the service and returns 0.
 *
 * @example
 * ```ts
 * const code = await runServe({ port: '0', host: '127.0.0.1' }, context)
 * ```
 */
export async function runServe(args: ParsedArgs, context: ServerCliContext): Promise<ExitCode> {
  const options = parseOptions(ServeOptionsSchema, args);
  const { io } = context;
  const settings = appOptionsFromEnv(io.env);
  let service: AosService;
  try {
    service = await openService(
      { env: io.env, databaseUrl: options.databaseUrl },
      {
        onSequencerError: (message) => io.stderr.write(`aos-server: ${message} (retrying)\n`),
        workers: options.workers,
        onWorkerLog: (level, message) => io.stderr.write(`aos-server: worker ${level}: ${message}\n`),
        onAttempt: (report) => {
          if (report.outcome === 'error') io.stderr.write(`aos-server: run ${report.run_id}: ${report.error}\n`);
        },
      },
    );
  } catch (error) {
    throw refusal(error);
  }
  const app = await buildApp(service, settings);
  let url: string;
  try {
    url = await app.listen({ port: options.port, host: options.host });
  } catch (error) {
    await app.close();
    await service.close();
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE') {
      throw new CliError('CONFIG_INVALID', `port ${options.port} on ${options.host} is in use`, EXIT_CODES.operational);
    }
    throw refusal(error);
  }
  // Requests this process is answering (headers received, response not yet closed).
  let inFlight = 0;
  app.server.on('request', (_request: unknown, response: NodeJS.EventEmitter) => {
    inFlight += 1;
    response.once('close', () => {
      inFlight -= 1;
    });
  });
  const stopping = stopSignal();
  const executing =
    options.workers > 0
      ? `executing ${options.workers} run${options.workers === 1 ? '' : 's'} at once`
      : 'no worker: int-cli worker executes runs';
  io.stderr.write(`aos-server listening on ${url} (database role ${service.role}; ${executing})\n`);
  const signal = await stopping;
  io.stderr.write(`aos-server: ${signal}, finishing in-flight requests and runs\n`);
  // Closing waits for every connection, and a client's idle keep-alive connection would hold it
  // for Fastify's whole keep-alive timeout (72 s): close connections as soon as they are idle,
  // including those whose last request finishes during the shutdown.
  // Node does not count every such connection as idle: after event streams a client stopped
  // reading once it had the `end` event, connections with no request in flight held the close
  // for 70 s (measured after the service bench). With nothing in flight, close them all.
  const sweep = setInterval(() => {
    app.server.closeIdleConnections();
    if (inFlight === 0) app.server.closeAllConnections();
  }, 100);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
  }
  // The worker stops taking jobs; each attempt in progress finishes its current step and
  // releases its run. One still held after the timeout is the next worker's once its lease expires.
  const closed = service.close();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), settings.shutdownTimeoutMs ?? 30_000);
  });
  const done = await Promise.race([closed.then(() => true), timedOut]);
  clearTimeout(timer);
  if (!done)
    io.stderr.write('aos-server: stopped waiting for run attempts (their leases expire; recovery takes them)\n');
  io.stderr.write('aos-server: stopped\n');
  return EXIT_CODES.ok;
}
