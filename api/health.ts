/** Liveness (the process answers) and readiness (its dependencies answer). */
import { Router } from 'express';
import type { Database } from '../db/database.js';
import type { CallGateway } from './call-gateway.js';

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout(check: Promise<void>): Promise<'ok' | 'unavailable'> {
  return Promise.race([
    check.then(() => 'ok' as const),
    new Promise<'unavailable'>((resolve) =>
      setTimeout(() => resolve('unavailable'), CHECK_TIMEOUT_MS).unref(),
    ),
  ]).catch(() => 'unavailable' as const);
}

export function healthRouter(deps: { db: Database; calls: CallGateway }): Router {
  const router = Router();
  router.get('/live', (_request, response) => {
    response.json({ status: 'ok' });
  });
  router.get('/ready', (_request, response, next) => {
    Promise.all([withTimeout(deps.db.ping()), withTimeout(deps.calls.ping())])
      .then(([database, temporal]) => {
        const ready = database === 'ok' && temporal === 'ok';
        response
          .status(ready ? 200 : 503)
          .json({ status: ready ? 'ok' : 'unavailable', checks: { database, temporal } });
      })
      .catch(next);
  });
  return router;
}
