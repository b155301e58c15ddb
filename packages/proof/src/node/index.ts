// @aos/proof/node: the parts of the library that touch the file system (AOS_HOME, the signing
// key file, bundle files). The main entry stays free of node:fs, node:os and node:path so it can run elsewhere.
export {
  DEFAULT_ORIGIN,
  loadSigningKey,
  readSigningKeyFile,
  resolveAosHome,
  SIGNING_KEY_FILE,
  writeTempSigningKey,
  type KeyStoreEnv,
  type LoadSigningKeyOptions,
} from './key-store';
export {
  writeProofBundle,
  type BundleSink,
  type BundleWriteSummary,
  type ProofBundleHeader,
} from '../bundle-file-writer';
export { writeFileDurably } from './durable-file';
export { verifyProofBundleFile, type VerifyProofFileOptions } from '../bundle-file-verifier';
export { startWitnessServer, type WitnessServer, type WitnessServerOptions } from '../witness/witness-server';
