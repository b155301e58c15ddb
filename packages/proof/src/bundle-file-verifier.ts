import { constants as bufferConstants } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';

import { STEP_LINE_PREFIX, STEP_LINE_TAIL_BYTES, STEPS_CLOSING, STEPS_OPENING } from './bundle-file-writer';
import {
  openBundleCheck,
  verifyProofBundle,
  type BundleVerification,
  type VerifyProofOptions,
} from './bundle-verifier';
import { ProofError } from './errors';
import { readJsonFile } from './json-file';
import { sha256Hex } from './sha256-hash';
import {
  checkTraceSeal,
  parseTrustedKeys,
  StepChainCheck,
  TraceOpening,
  traceVerification,
} from './trace-verifier';

/**
 * Options of {@link verifyProofBundleFile}.
 *
 * @example
 * ```ts
 * const options: VerifyProofFileOptions = { trustedKeys: [verifierKey] };
 * ```
 */
export type VerifyProofFileOptions = VerifyProofOptions;

const NEWLINE = 0x0a;
const COMMA = 0x2c;
const BLOCK_BYTES = 8 * 1024 * 1024;
// A header line longer than this (a huge plan) is read by the whole-document path instead.
const MAX_HEADER_BYTES = 256 * 1024 * 1024;
const PREFIX = Buffer.from(STEP_LINE_PREFIX);
const STEP_LINE_TAIL = /,"leaf_hash":"[0-9a-f]{64}","prev_hash":"[0-9a-f]{64}","step_hash":"[0-9a-f]{64}"\}$/y;
const CLOSING = Buffer.from(STEPS_CLOSING);
// The byte before an envelope (the `:` of `{"envelope":`), overwritten with the leaf prefix 0x00.
const ENVELOPE_COLON = PREFIX.length - 1;

/** The file is not in the streaming layout (or not JSON there): read it as one document instead. */
class NotStreamable extends Error {}

/**
 * Verifies a proof bundle file offline, as {@link verifyProofBundle} does — same checks, same
 * report, same failure reasons and `first_divergent_step` — without reading the file into one
 * string, so bundles larger than V8's longest string (about 512 MiB, some 600,000 steps) verify.
 * A file in the layout {@link writeProofBundle} writes is streamed line by line, keeping only
 * each step's leaf hash; an envelope whose bytes as written hash to the stored leaf hash is not
 * canonicalised again (those bytes are the canonical text that was hashed). Any other layout
 * of the same JSON (pretty-printed, one line) is read whole and verified in memory. The
 * verdict is given at the first failure; the rest of the file is not read. Throws a
 * {@link ProofError}: `PROOF_BAD_KEY` for a malformed trusted key, `PROOF_IO` when the file
 * cannot be read, `PROOF_BAD_INPUT` when it is not JSON.
 *
 * @example
 * ```ts
 * const result = await verifyProofBundleFile('run.proof.json', { trustedKeys: ['aos.local+c0ffee00+AR…'] });
 * console.log(result.verification_status, result.failure_reason);
 * ```
 */
export async function verifyProofBundleFile(
  path: string,
  options: VerifyProofFileOptions,
): Promise<BundleVerification> {
  const trustedKeys = parseTrustedKeys(options.trustedKeys);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new ProofError('PROOF_IO', `cannot read ${path}: ${messageOf(error)}`, { cause: error });
  }
  try {
    return await verifyStreamLayout(new LineReader(handle, path), trustedKeys);
  } catch (error) {
    if (!(error instanceof NotStreamable)) throw error;
    // Not the streaming layout: read it as one document (which says why when it is not JSON).
    if ((await handle.stat()).size > bufferConstants.MAX_STRING_LENGTH) {
      throw new ProofError(
        'PROOF_BAD_INPUT',
        `${path} is not a proof bundle in the streaming layout: ${error.message}`,
      );
    }
    return verifyProofBundle(await readJsonFile(path), { trustedKeys });
  } finally {
    await handle.close();
  }
}

async function verifyStreamLayout(
  lines: LineReader,
  trustedKeys: ReturnType<typeof parseTrustedKeys>,
): Promise<BundleVerification> {
  const first = await lines.next(MAX_HEADER_BYTES);
  if (first === null) throw new NotStreamable('the file is empty');
  const headerText = first.buffer.toString('utf8', first.start, first.end);
  if (!headerText.startsWith('{') || !headerText.endsWith(STEPS_OPENING)) {
    throw new NotStreamable(`line 1 does not end with ${STEPS_OPENING}`);
  }
  const opened = openBundleCheck(parseLine(`${headerText}${STEPS_CLOSING}`, 1), trustedKeys);
  if ('verification_status' in opened) return opened;
  const { outline, note, opening } = opened;
  const { trace } = outline;
  if (!(opening instanceof TraceOpening)) return traceVerification(trace, note, opening);

  const expected = Number.isSafeInteger(trace.chain_length) ? Math.min(trace.chain_length ?? 0, 1 << 24) : 0;
  const chain = new StepChainCheck(trace, opening, expected);
  let lineNumber = 1;
  let hadComma = true;
  for (;;) {
    const line = await lines.next(Number.POSITIVE_INFINITY);
    lineNumber++;
    if (line === null) throw new NotStreamable(`the file ends before ${STEPS_CLOSING}`);
    const { buffer, start, end } = line;
    if (end - start === CLOSING.length && buffer.compare(CLOSING, 0, CLOSING.length, start, end) === 0) {
      // After the last step line, no comma; with no steps, the closing line follows the header.
      if (hadComma && chain.length > 0) throw new NotStreamable(`line ${lineNumber - 1} ends with a comma`);
      if (!(await lines.atEnd())) throw new NotStreamable(`text after line ${lineNumber}`);
      return traceVerification(trace, note, checkTraceSeal(outline.run, trace, note, chain, outline.outcome), chain);
    }
    if (!hadComma) throw new NotStreamable(`line ${lineNumber - 1} does not end with a comma`);
    hadComma = buffer[end - 1] === COMMA;
    const textEnd = hadComma ? end - 1 : end;
    const text = buffer.toString('utf8', start, textEnd);
    const step = parseLine(text, lineNumber);
    const failure = chain.add(step, writtenLeafHash(text, buffer, start, textEnd));
    if (failure !== null) return traceVerification(trace, note, failure, chain);
  }
}

/**
 * SHA-256(0x00 ‖ envelope bytes) of a step line of exactly the layout's shape, hashed in place
 * (the `:` before the envelope becomes the 0x00 prefix); `undefined` for any other line. The
 * whole tail is matched, not just its start, so the bytes hashed are exactly the `envelope`
 * member that JSON.parse read from the line, and no other member can stand in for it.
 */
function writtenLeafHash(text: string, buffer: Buffer, start: number, end: number): string | undefined {
  const envelopeEnd = end - STEP_LINE_TAIL_BYTES;
  if (envelopeEnd <= start + PREFIX.length || !text.startsWith(STEP_LINE_PREFIX)) return undefined;
  STEP_LINE_TAIL.lastIndex = text.length - STEP_LINE_TAIL_BYTES;
  if (!STEP_LINE_TAIL.test(text)) return undefined;
  buffer[start + ENVELOPE_COLON] = 0;
  return sha256Hex(buffer.subarray(start + ENVELOPE_COLON, envelopeEnd));
}

function parseLine(text: string, lineNumber: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new NotStreamable(`line ${lineNumber} is not JSON: ${messageOf(error)}`);
  }
}

/** A line: bytes [start, end) of buffer, without its newline. Valid until the next read. */
interface Line {
  buffer: Buffer;
  start: number;
  end: number;
}

/** Splits a file into lines over one reused buffer, never holding more than a block and a line. */
class LineReader {
  private buffer = Buffer.allocUnsafe(BLOCK_BYTES);
  private start = 0;
  private filled = 0;
  private position = 0;
  private eof = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
  ) {}

  /** The next line, or `null` at the end of the file. A line longer than `maxBytes` is refused. */
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

  /** True when every byte of the file has been returned. */
  async atEnd(): Promise<boolean> {
    if (this.start < this.filled) return false;
    if (this.eof) return true;
    await this.fill();
    return this.start === this.filled;
  }

  /** Moves the unread bytes to the front (growing the buffer for a long line) and reads more. */
  private async fill(): Promise<void> {
    const pending = this.filled - this.start;
    if (this.start > 0) {
      this.buffer.copy(this.buffer, 0, this.start, this.filled);
    } else if (pending === this.buffer.length) {
      const grown = Buffer.allocUnsafe(this.buffer.length * 2);
      this.buffer.copy(grown, 0, 0, pending);
      this.buffer = grown;
    }
    this.start = 0;
    this.filled = pending;
    let bytesRead: number;
    try {
      ({ bytesRead } = await this.handle.read(this.buffer, pending, this.buffer.length - pending, this.position));
    } catch (error) {
      throw new ProofError('PROOF_IO', `cannot read ${this.path}: ${messageOf(error)}`, { cause: error });
    }
    this.position += bytesRead;
    this.filled += bytesRead;
    if (bytesRead === 0) this.eof = true;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
