import { constants as bufferConstants } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';

import { STEP_LINE_PREFIX, STEP_LINE_TAIL_BYTES, STEPS_CLOSING, STEPS_OPENING } from './bundle-file-writer';
import {
  bundleChecks,
  openBundleCheck,
  verifyProofBundle,
  withReceiptCheck,
  type BundleChecks,
  type BundleVerification,
  type VerifyProofOptions,
} from './bundle-verifier';
import { ProofError } from './errors';
import { fileByteSource, LineReader, NotStreamable } from './line-reader';
import { sha256Hex } from './sha256-hash';
import { assertStrictJson, parseStrictJson, type JsonPlace } from './strict-json';
import { checkTraceSeal, StepChainCheck, TraceOpening, traceVerification } from './trace-verifier';

/**
 * Options of {@link verifyProofBundleFile}.
 *
 * @example
 * ```ts
 * const options: VerifyProofFileOptions = { trustedKeys: [verifierKey] };
 * ```
 */
export type VerifyProofFileOptions = VerifyProofOptions;

const COMMA = 0x2c;
const COLON = 0x3a;
// A line longer than this (a huge plan or step) is read by the whole-document path instead; it
// also bounds what a stream that never ends its first line (stdin from /dev/zero) costs.
const MAX_LINE_BYTES = 256 * 1024 * 1024;
const PREFIX = Buffer.from(STEP_LINE_PREFIX);
const STEP_LINE_TAIL = /,"leaf_hash":"[0-9a-f]{64}","prev_hash":"[0-9a-f]{64}","step_hash":"[0-9a-f]{64}"\}$/y;
const CLOSING = Buffer.from(STEPS_CLOSING);
// The byte before an envelope (the `:` of `{"envelope":`), overwritten with the leaf prefix 0x00.
const ENVELOPE_COLON = PREFIX.length - 1;

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
 * cannot be read, `PROOF_BAD_INPUT` when it is not JSON, repeats a member name in an object,
 * nests deeper than 64 levels, or is longer than the longest string V8 can build and not in
 * the streaming layout.
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
  const checks = bundleChecks(options);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new ProofError('PROOF_IO', `cannot read ${path}: ${messageOf(error)}`, { cause: error });
  }
  try {
    return await verifyStreamLayout(new LineReader(fileByteSource(handle, path)), checks);
  } catch (error) {
    if (!(error instanceof NotStreamable)) throw error;
    // Not the streaming layout: read it as one document (which says why when it is not JSON).
    if ((await handle.stat()).size > bufferConstants.MAX_STRING_LENGTH) {
      throw new ProofError(
        'PROOF_BAD_INPUT',
        `${path} is not a proof bundle in the streaming layout: ${error.message}`,
      );
    }
    // Read again from the first byte, within the same bound (a device such as /dev/zero has no size).
    const whole = await new LineReader(fileByteSource(handle, path)).readWhole(bufferConstants.MAX_STRING_LENGTH);
    const bundle = parseStrictJson(whole.toString('utf8'), path, BUNDLE_PLACE);
    return verifyProofBundle(bundle, { ...options, trustedKeys: checks.trustedKeys });
  } finally {
    await handle.close();
  }
}

const BUNDLE_PLACE: JsonPlace = { subject: 'bundle' };

/** Verifies input in the streaming layout; throws {@link NotStreamable} when it is not. */
export async function verifyStreamLayout(lines: LineReader, checks: BundleChecks): Promise<BundleVerification> {
  const { trustedKeys } = checks;
  const first = await lines.next(MAX_LINE_BYTES);
  if (first === null) throw new NotStreamable('the input is empty');
  const headerText = first.buffer.toString('utf8', first.start, first.end);
  if (!headerText.startsWith('{') || !headerText.endsWith(STEPS_OPENING)) {
    throw new NotStreamable(`line 1 does not end with ${STEPS_OPENING}`);
  }
  const opened = openBundleCheck(parseLine(`${headerText}${STEPS_CLOSING}`, 1, BUNDLE_PLACE), trustedKeys);
  if ('verification_status' in opened) return opened;
  const { outline, note, opening } = opened;
  const { trace } = outline;
  if (!(opening instanceof TraceOpening)) return { ...traceVerification(trace, note, opening), log_inclusion: null };

  const expected = Number.isSafeInteger(trace.chain_length) ? Math.min(trace.chain_length ?? 0, 1 << 24) : 0;
  const chain = new StepChainCheck(trace, opening, expected);
  let lineNumber = 1;
  let hadComma = true;
  for (;;) {
    const line = await lines.next(MAX_LINE_BYTES);
    lineNumber++;
    if (line === null) throw new NotStreamable(`the input ends before ${STEPS_CLOSING}`);
    const { buffer, start, end } = line;
    if (end - start === CLOSING.length && buffer.compare(CLOSING, 0, CLOSING.length, start, end) === 0) {
      // After the last step line, no comma; with no steps, the closing line follows the header.
      if (hadComma && chain.length > 0) throw new NotStreamable(`line ${lineNumber - 1} ends with a comma`);
      if (!(await lines.atEnd())) throw new NotStreamable(`text after line ${lineNumber}`);
      const sealed = traceVerification(
        trace,
        note,
        checkTraceSeal(outline.run, trace, note, chain, outline.outcome),
        chain,
      );
      return withReceiptCheck(sealed, outline, checks);
    }
    if (!hadComma) throw new NotStreamable(`line ${lineNumber - 1} does not end with a comma`);
    hadComma = buffer[end - 1] === COMMA;
    const textEnd = hadComma ? end - 1 : end;
    const text = buffer.toString('utf8', start, textEnd);
    const step = parseLine(text, lineNumber, { subject: 'bundle', path: `steps[${lineNumber - 2}]`, depth: 2 });
    const failure = chain.add(step, writtenLeafHash(text, buffer, start, textEnd));
    if (failure !== null) return { ...traceVerification(trace, note, failure, chain), log_inclusion: null };
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
  const leafHash = sha256Hex(buffer.subarray(start + ENVELOPE_COLON, envelopeEnd));
  // The buffer keeps the input's bytes, in case it has to be read whole after all.
  buffer[start + ENVELOPE_COLON] = COLON;
  return leafHash;
}

/** A line's value; a repeated member name or deep nesting is refused as in the whole document. */
function parseLine(text: string, lineNumber: number, place: JsonPlace): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new NotStreamable(`line ${lineNumber} is not JSON: ${messageOf(error)}`);
  }
  assertStrictJson(text, value, place);
  return value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
