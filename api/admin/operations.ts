/** Every admin operation, in the order the admin document lists them. */
import { agentVersionOperations } from './agent-versions/routes.js';
import { agentOperations } from './agents/routes.js';
import { apiKeyOperations } from './api-keys/routes.js';
import { auditLogOperations } from './audit-log/routes.js';
import { credentialOperations } from './credentials/routes.js';
import type { AdminOperation } from './operation.js';
import { phoneRouteOperations } from './phone-routes/routes.js';
import { tenantOperations } from './tenants/routes.js';

export const adminOperations: AdminOperation[] = [
  ...tenantOperations,
  ...apiKeyOperations,
  ...agentOperations,
  ...agentVersionOperations,
  ...phoneRouteOperations,
  ...credentialOperations,
  ...auditLogOperations,
];
