// @aos/proof/cli-kit: what every AOS bin shares (docs: packages/proof/README.md). Importing it loads
// neither zod nor yargs (the driver loads yargs when it runs), so `--help` stays fast; the zod
// schemas are in @aos/proof/cli-kit/schemas.
export { processIo, writeJson, type CliIo, type TextSink } from './cli-io';
export { colourEnabled, paint, type PaintStyle } from './text-paint';
export { escapeControls } from './text-escape';
export { skillTable, textTable, type SkillRow } from './text-table';
export { EXIT_CODES, errorCodeOf, exitCodeForError, type ExitCode } from './exit-codes';
export { CliError, UsageError } from './errors';
export { reportError } from './error-report';
export { parseOptions, type ParseOptionsSettings } from './option-parser';
export { exitCodeLegend, helpWidth } from './help-layout';
export {
  runCommandLine,
  type CommandContext,
  type CommandExample,
  type CommandGroupSpec,
  type CommandLineDefinition,
  type CommandRunner,
  type CommandSpec,
  type ParsedArgs,
} from './command-line';
