import { EXIT_CODES, type ExitCode } from '@aos/core/cli';
import { createSkillRegistry } from '@aos/core/skills';
import type { CommandContext, ParsedArgs } from '../context';
import { printSkills } from '../render';

/**
 * `list-skills`: name, version and description of every registered skill (with `--json`, also
 * each input JSON Schema). Needs no database: the registry is built without opening the store.
 */
export function execute(_args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const skills = createSkillRegistry()
    .manifest()
    .map((entry) => ({
      name: entry.name,
      version: entry.version,
      description: entry.description,
      deterministic: entry.deterministic,
      side_effects: entry.sideEffects,
      network: entry.network,
      input_schema: entry.inputSchema,
    }));
  printSkills(context, skills);
  return Promise.resolve(EXIT_CODES.ok);
}
