/**
 * An error the internal CLI itself raises with an exit code that no core error code implies
 * (e.g. "no signing key yet" → 3): the kit's CliError, under the name the commands use. The
 * kit's driver is still the only place that turns it into one.
 */
export { CliError as IntCliError } from '@aos/proof/cli-kit';
