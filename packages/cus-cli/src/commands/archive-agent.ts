import type { ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { changeAgent } from './agent-lifecycle';

/** `archive-agent <agent_id>`. */
export function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  return changeAgent('archive', args, context);
}
