import type { ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { changeAgent } from './agent-lifecycle';

/** `pause-agent <agent_id>`. */
export function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  return changeAgent('pause', args, context);
}
