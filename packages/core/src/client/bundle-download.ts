import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProofError } from '@aos/proof';
import type { BundleSink } from '@aos/proof/node';
import { AosError } from '../errors';

/** Largest bundle the client downloads: far above any real run, below a disk-filling peer. */
export const MAX_BUNDLE_BYTES = 4 * 1024 ** 3;

/**
 * Where downloaded bundles wait between being verified and being exported: a private temporary
 * directory (0700, files 0600), so `proof --export` writes exactly the bytes that were verified,
 * never a second download a server could answer differently.
 */
export class BundleCache {
  #dir: Promise<string> | null = null;
  readonly #files = new Map<string, string>();

  /** The file holding run `runId`'s downloaded bundle, if one was downloaded. */
  get(runId: string): string | undefined {
    return this.#files.get(runId);
  }

  /** Streams `body` into a private file for `runId`, refusing more than {@link MAX_BUNDLE_BYTES}. */
  async store(runId: string, route: string, body: ReadableStream<Uint8Array>): Promise<string> {
    this.#dir ??= mkdtemp(join(tmpdir(), 'aos-bundle-'));
    const file = join(await this.#dir, `${runId}.json`);
    let bytes = 0;
    const source = Readable.fromWeb(body);
    source.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_BUNDLE_BYTES) {
        source.destroy(
          new AosError('API_BAD_RESPONSE', `${route}: the bundle is larger than ${MAX_BUNDLE_BYTES} bytes`),
        );
      }
    });
    try {
      await pipeline(source, createWriteStream(file, { mode: 0o600 }));
    } catch (error) {
      await rm(file, { force: true });
      if (error instanceof AosError) throw error;
      throw new AosError('API_UNREACHABLE', `${route}: the bundle download broke off (${(error as Error).message})`, {
        cause: error,
      });
    }
    this.#files.set(runId, file);
    return file;
  }

  /** The downloaded bundle as a parsed document (null when it is not JSON). */
  async read(file: string): Promise<unknown> {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as unknown;
    } catch {
      return null;
    }
  }

  /** Writes the downloaded bytes to `target`: a file (mode 0600, appearing only once complete) or a sink. */
  async export(file: string, target: string | BundleSink): Promise<void> {
    if (typeof target !== 'string') {
      const source = createReadStream(file, { encoding: 'utf8' });
      for await (const chunk of source) {
        const text = chunk as string;
        if (target.write(text) === false && target.once)
          await new Promise<void>((resolve) => target.once?.('drain', resolve));
      }
      return;
    }
    const partial = `${target}.${process.pid}.partial`;
    try {
      await copyFile(file, partial);
      await chmod(partial, 0o600);
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw new ProofError('PROOF_IO', `cannot write ${target}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Removes the temporary directory and everything in it. */
  async clear(): Promise<void> {
    const dir = this.#dir;
    this.#dir = null;
    this.#files.clear();
    if (dir) await rm(await dir, { recursive: true, force: true });
  }
}
