import { randomUUID } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';

import { PROOF_BUNDLE_FORMAT, type ProofBundle, type StepRecord } from './bundle-schema';
import { canonicalize } from './canonical-json';
import { ProofError } from './errors';
import { removedIfInterrupted } from './interrupt-cleanup';

/*
 * The file layout of a proof bundle. It is one ordinary JSON document (the same fields as the
 * object form, `format: "aos.proof-bundle.v2"`), laid out so that a verifier can stream it:
 *
 *   {"format":"aos.proof-bundle.v2","run":{…},"plan":{…},"trace":{…},"header":{…},"outcome":{…},"verifier_key_name":"…","exported_at":"…","receipt":null,"steps":[
 *   {"envelope":<JCS text>,"leaf_hash":"<64 hex>","prev_hash":"<64 hex>","step_hash":"<64 hex>"},
 *   …
 *   {"envelope":<JCS text>,"leaf_hash":"…","prev_hash":"…","step_hash":"…"}
 *   ]}
 *
 * Line 1 holds every field but the steps and ends with `"steps":[`; then exactly one step per
 * line, each but the last followed by a comma; then `]}`. Each envelope is written as its
 * canonical (RFC 8785) text, so its bytes are exactly what its leaf hash was computed from.
 */

/** What a step line starts with; the envelope's text follows. */
export const STEP_LINE_PREFIX = '{"envelope":';
/** Bytes of a step line after the envelope: `,"leaf_hash":"…","prev_hash":"…","step_hash":"…"}`. */
export const STEP_LINE_TAIL_BYTES = 14 + 64 + 15 + 64 + 15 + 64 + 2;
/** The first line of the layout ends with this. */
export const STEPS_OPENING = '"steps":[';
/** The last line of the layout. */
export const STEPS_CLOSING = ']}';

/**
 * A proof bundle without its steps: what {@link writeProofBundle} writes before them.
 *
 * @example
 * ```ts
 * const header: ProofBundleHeader = { format: PROOF_BUNDLE_FORMAT, run, plan, trace, header, outcome, verifier_key_name, exported_at, receipt: null };
 * ```
 */
export type ProofBundleHeader = Omit<ProofBundle, 'steps'>;

/**
 * Somewhere to write text: a writable stream (backpressure is honoured through `drain`) or
 * anything with a `write` method.
 *
 * @example
 * ```ts
 * const sink: BundleSink = process.stdout;
 * ```
 */
export interface BundleSink {
  write(chunk: string): unknown;
  once?(event: 'drain', listener: () => void): unknown;
}

/**
 * What {@link writeProofBundle} wrote.
 *
 * @example
 * ```ts
 * const { steps, bytes }: BundleWriteSummary = await writeProofBundle(header, records, 'run.proof.json');
 * ```
 */
export interface BundleWriteSummary {
  format: typeof PROOF_BUNDLE_FORMAT;
  steps: number;
  bytes: number;
}

// Lines are gathered into writes of about this many characters.
const WRITE_CHUNK_CHARS = 1 << 20;
// Exported bundles are readable by their owner only (docs/cus-cli.md, `proof`).
const BUNDLE_FILE_MODE = 0o600;

/**
 * Writes a proof bundle in the streaming file layout (one JSON document, one step per line,
 * each envelope as its canonical text) to a file path or a sink, taking the steps from an
 * iterable or async iterable (e.g. database pages) so the whole text is never built. A file is
 * written (mode 0600) beside its destination and renamed into place once complete, so a
 * failure leaves nothing half-written, and neither does an interruption (SIGINT, SIGTERM,
 * SIGHUP): the partial file is removed and the process still ends by the signal. Throws a
 * {@link ProofError}: `PROOF_BAD_VALUE` for an envelope that is not JSON, `PROOF_IO` when the
 * file cannot be written. It checks no hash: it writes what it is given, and verification
 * judges it.
 *
 * @example
 * ```ts
 * const { steps, ...header } = createProofBundle({ run, plan, trace, steps: records, verifierKeyName });
 * await writeProofBundle(header, steps, 'run.proof.json');
 * await writeProofBundle(header, steps, process.stdout);
 * ```
 */
export async function writeProofBundle(
  header: ProofBundleHeader,
  steps: Iterable<StepRecord> | AsyncIterable<StepRecord>,
  target: string | BundleSink,
): Promise<BundleWriteSummary> {
  if (typeof target !== 'string') return writeLayout(header, steps, sinkWriter(target));
  const partial = `${target}.${randomUUID().slice(0, 8)}.partial`;
  return removedIfInterrupted(partial, () => writeBundleFile(header, steps, target, partial));
}

async function writeBundleFile(
  header: ProofBundleHeader,
  steps: Iterable<StepRecord> | AsyncIterable<StepRecord>,
  target: string,
  partial: string,
): Promise<BundleWriteSummary> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(partial, 'w', BUNDLE_FILE_MODE);
    // The mode given to open is narrowed by the umask; the file is to be 0600 exactly.
    await handle.chmod(BUNDLE_FILE_MODE);
    const file = handle;
    const summary = await writeLayout(header, steps, (chunk) => file.write(chunk));
    await handle.close();
    handle = undefined;
    await rename(partial, target);
    return summary;
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(partial, { force: true });
    if (error instanceof ProofError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProofError('PROOF_IO', `cannot write ${target}: ${reason}`, { cause: error });
  }
}

/** The first line of the layout: every field but the steps, then `"steps":[`. */
export function formatBundleHeaderLine(header: ProofBundleHeader): string {
  const fields = JSON.stringify({
    format: header.format,
    run: header.run,
    plan: header.plan,
    trace: header.trace,
    header: header.header,
    outcome: header.outcome,
    verifier_key_name: header.verifier_key_name,
    exported_at: header.exported_at,
    receipt: header.receipt,
  });
  return `${fields.slice(0, -1)},${STEPS_OPENING}`;
}

/** One step line of the layout (without its comma). */
export function formatStepLine(step: StepRecord): string {
  return (
    `${STEP_LINE_PREFIX}${canonicalize(step.envelope)},"leaf_hash":${JSON.stringify(step.leaf_hash)}` +
    `,"prev_hash":${JSON.stringify(step.prev_hash)},"step_hash":${JSON.stringify(step.step_hash)}}`
  );
}

type ChunkWriter = (chunk: string) => Promise<unknown>;

async function writeLayout(
  header: ProofBundleHeader,
  steps: Iterable<StepRecord> | AsyncIterable<StepRecord>,
  write: ChunkWriter,
): Promise<BundleWriteSummary> {
  let pending = `${formatBundleHeaderLine(header)}\n`;
  let bytes = 0;
  let count = 0;
  const flush = async (): Promise<void> => {
    bytes += Buffer.byteLength(pending);
    await write(pending);
    pending = '';
  };
  for await (const step of steps) {
    // The comma goes on the previous line: only the last step line has none.
    pending += `${count === 0 ? '' : ',\n'}${formatStepLine(step)}`;
    count++;
    if (pending.length >= WRITE_CHUNK_CHARS) await flush();
  }
  pending += `${count === 0 ? '' : '\n'}${STEPS_CLOSING}\n`;
  await flush();
  return { format: PROOF_BUNDLE_FORMAT, steps: count, bytes };
}

function sinkWriter(sink: BundleSink): ChunkWriter {
  return async (chunk) => {
    if (sink.write(chunk) === false && sink.once !== undefined) {
      const once = sink.once.bind(sink);
      await new Promise<void>((resolve) => once('drain', resolve));
    }
  };
}
