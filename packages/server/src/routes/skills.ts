import { SkillListViewSchema } from '@aos/core/contract';
import type { AosApp, RouteDeps } from '../app';
import { BEARER_KEY, ERROR_RESPONSES } from './route-schemas';

/** `GET /v1/skills` (runs:read). */
export function skillRoutes(app: AosApp, { service }: RouteDeps): void {
  app.get(
    '/v1/skills',
    {
      config: { auth: 'runs:read' },
      schema: {
        summary: 'The skills plans can use, with their input JSON Schemas',
        tags: ['skills'],
        security: BEARER_KEY,
        response: { 200: SkillListViewSchema, ...ERROR_RESPONSES },
      },
    },
    async () => ({ skills: await service.aos.skills.list() }),
  );
}
