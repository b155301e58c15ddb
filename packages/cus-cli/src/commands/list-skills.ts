import { EXIT_CODES, skillTable, type ExitCode } from '@aos/proof/cli-kit';
import { SKILL_LISTINGS } from '@aos/core/skill-manifest';
import type { CommandContext, ParsedArgs } from '../context';

/**
 * `list-skills`: name, version and description of every registered skill (with `--json`, also
 * each input JSON Schema). Reads the manifest written at build time: no database, no skill is loaded.
 */
export async function execute(_args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const skills = [...SKILL_LISTINGS];
  if (context.json) {
    // The JSON path checks its document against the zod shape; the text path never loads zod.
    const { printSkillsJson } = await import('../render');
    printSkillsJson(context, skills);
  } else {
    context.io.stdout.write(skillTable(skills));
  }
  return EXIT_CODES.ok;
}
