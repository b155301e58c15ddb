// @aos/proof/cli-kit/schemas: the zod schemas every AOS bin shares, apart from the kit's main
// entry so that `--help` and zod-free commands never load zod.
export {
  centsOption,
  databaseUrlOf,
  databaseUrlOption,
  durationOption,
  positiveIntOption,
  wholeNumberOption,
} from './option-schemas';
export { ErrorJsonSchema, HelpJsonSchema, VersionJsonSchema } from './json-envelopes';
