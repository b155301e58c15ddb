export {
  AGENT_ACTIONS,
  changeAgentStatus,
  createAgent,
  CreateAgentInputSchema,
  getAgentForTenant,
  listAgents,
  ListAgentsInputSchema,
  setAgentStatus,
} from './agent-service';
export type { AgentAction, AgentPage } from './agent-service';
export type { CreateAgentInput } from './agent-service';
