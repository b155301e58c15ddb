// Command-line plumbing shared by both CLIs, with no database driver behind it: safe to import
// eagerly, so `--help` stays fast.
export * from './errors';
export * from './exit-codes';
export * from './cli-io';
