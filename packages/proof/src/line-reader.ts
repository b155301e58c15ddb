import type { FileHandle } from 'node:fs/promises';

import { ProofError } from './errors';

/**
 * Where a {@link LineReader} takes its bytes from: a file read at increasing positions, or a
 * stream such as stdin, which can be read only once.
 */
export interface ByteSource {
  /** What errors call the source: a path, or `stdin`. */
  readonly label: string;
  /** Reads up to `length` bytes into `buffer` at `offset`; resolves 0 at the end. */
  read(buffer: Buffer, offset: number, length: number): Promise<number>;
  /** Stops reading (a stream is destroyed); the source is not read again. */
  close(): Promise<void>;
}

/** The input is not in the streaming layout (or not JSON there): read it as one document instead. */
export class NotStreamable extends Error {}

const NEWLINE = 0x0a;
const NUL = 0x00;
const BLOCK_BYTES = 8 * 1024 * 1024;

/** A file read from its first byte on; closing the source closes the handle. */
export function fileByteSource(handle: FileHandle, path: string): ByteSource {
  let position = 0;
  return {
    label: path,
    async read(buffer, offset, length) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, offset, length, position));
      } catch (error) {
        throw new ProofError('PROOF_IO', `cannot read ${path}: ${messageOf(error)}`, { cause: error });
      }
      position += bytesRead;
      return bytesRead;
    },
    close: () => handle.close(),
  };
}

/** A stream of chunks (stdin); closing the source ends the iteration, which destroys a stream. */
export function streamByteSource(stream: AsyncIterable<string | Uint8Array>, label: string): ByteSource {
  const chunks = stream[Symbol.asyncIterator]();
  let chunk: Uint8Array | null = null;
  let used = 0;
  let ended = false;
  return {
    label,
    async read(buffer, offset, length) {
      while (chunk === null || used === chunk.length) {
        if (ended) return 0;
        let next: IteratorResult<string | Uint8Array>;
        try {
          next = await chunks.next();
        } catch (error) {
          ended = true;
          throw new ProofError('PROOF_IO', `cannot read ${label}: ${messageOf(error)}`, { cause: error });
        }
        if (next.done === true) {
          ended = true;
          return 0;
        }
        chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : next.value;
        used = 0;
      }
      const count = Math.min(length, chunk.length - used);
      buffer.set(chunk.subarray(used, used + count), offset);
      used += count;
      return count;
    },
    async close() {
      if (ended) return;
      ended = true;
      await chunks.return?.();
    },
  };
}

/** A line: bytes [start, end) of buffer, without its newline. Valid until the next read. */
export interface Line {
  buffer: Buffer;
  start: number;
  end: number;
}

/**
 * Splits a source into lines over one reused buffer, never holding more than a block and a
 * line. While no byte has been dropped from the front of the buffer (nothing but lines of the
 * first block were read), {@link LineReader.readWhole} can still give the whole input, which
 * is how a stream that turns out not to be in the streaming layout is read as one document.
 */
export class LineReader {
  private buffer = Buffer.allocUnsafe(BLOCK_BYTES);
  private start = 0;
  private filled = 0;
  private dropped = false;
  private eof = false;
  /** Bytes read before the buffer's first byte. */
  private offset = 0;

  constructor(private readonly source: ByteSource) {}

  /** The next line, or `null` at the end of the input. A line longer than `maxBytes` is refused. */
  async next(maxBytes: number): Promise<Line | null> {
    let searchFrom = this.start;
    for (;;) {
      const newline = this.buffer.subarray(0, this.filled).indexOf(NEWLINE, searchFrom);
      if (newline !== -1) {
        const line = { buffer: this.buffer, start: this.start, end: newline };
        this.start = newline + 1;
        return line;
      }
      if (this.filled - this.start > maxBytes) throw new NotStreamable(`a line is longer than ${maxBytes} bytes`);
      if (this.eof) {
        if (this.start === this.filled) return null;
        const line = { buffer: this.buffer, start: this.start, end: this.filled };
        this.start = this.filled;
        return line;
      }
      const scanned = this.filled - this.start;
      await this.fill();
      searchFrom = this.start + scanned;
    }
  }

  /** True when every byte of the input has been returned. */
  async atEnd(): Promise<boolean> {
    if (this.start < this.filled) return false;
    if (this.eof) return true;
    await this.fill();
    return this.start === this.filled;
  }

  /** True while every byte read so far is still in the buffer, so {@link readWhole} can work. */
  canReadWhole(): boolean {
    return !this.dropped;
  }

  /**
   * Every byte of the input from the first, reading the rest of it (once {@link canReadWhole}
   * is false, this is refused). More than `maxBytes` in all is refused with `PROOF_BAD_INPUT`,
   * and reading stops there.
   */
  async readWhole(maxBytes: number): Promise<Buffer> {
    if (this.dropped) throw new Error('LineReader.readWhole: bytes read earlier were dropped');
    this.start = 0;
    while (!this.eof && this.filled <= maxBytes) await this.fill();
    if (this.filled > maxBytes) {
      throw new ProofError('PROOF_BAD_INPUT', `${this.source.label} is longer than ${maxBytes} bytes`);
    }
    return this.buffer.subarray(0, this.filled);
  }

  /** Moves the unread bytes to the front (growing the buffer for a long line) and reads more. */
  private async fill(): Promise<void> {
    const pending = this.filled - this.start;
    if (this.start > 0) {
      this.buffer.copy(this.buffer, 0, this.start, this.filled);
      this.offset += this.start;
      this.dropped = true;
    } else if (pending === this.buffer.length) {
      const grown = Buffer.allocUnsafe(this.buffer.length * 2);
      this.buffer.copy(grown, 0, 0, pending);
      this.buffer = grown;
    }
    this.start = 0;
    this.filled = pending;
    const bytesRead = await this.source.read(this.buffer, pending, this.buffer.length - pending);
    // JSON text never holds a NUL byte (a string escapes it), so input that does is refused at
    // once: `< /dev/zero` ends at its first block instead of at a length bound.
    const nul = this.buffer.subarray(pending, pending + bytesRead).indexOf(NUL);
    if (nul !== -1) {
      throw new ProofError(
        'PROOF_BAD_INPUT',
        `${this.source.label} is not JSON: a NUL byte at byte ${this.offset + pending + nul}`,
      );
    }
    this.filled += bytesRead;
    if (bytesRead === 0) this.eof = true;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
