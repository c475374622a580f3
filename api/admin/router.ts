/** The admin API under /api/v1/admin: the admin key guard, then every admin operation. */
import { Router } from 'express';
import { requireAdminKey } from './auth.js';
import { mountAdminOperations, type AdminRouterDependencies } from './operation.js';
import { adminOperations } from './operations.js';

export function adminRouter(
  deps: AdminRouterDependencies & { adminApiKey: string | undefined },
): Router {
  const router = Router();
  router.use(requireAdminKey(deps.adminApiKey));
  mountAdminOperations(router, adminOperations, deps);
  return router;
}
