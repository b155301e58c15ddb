// `@aos/core/service`: what `aos-server` is built on — the customer facade behind API-key
// authentication, on a least-privilege database role.
export { openService } from './aos-service';
export type { AosService } from './aos-service';
export type { ApiKeyPrincipal } from '../tenants/api-key-store';
export { API_KEY_SCOPES } from '../db/schema';
export type { ApiKeyScope } from '../db/schema';
