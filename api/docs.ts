/**
 * The OpenAPI documents and a reference page that renders both. The page is
 * swagger-ui, served from the installed swagger-ui-dist files (no CDN).
 */
import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { ApiDocuments } from './openapi/documents.js';

export const DOCUMENT_PATHS = {
  public: '/api-docs/public.json',
  admin: '/api-docs/admin.json',
} as const;

function pageOptions(includeAdmin: boolean): swaggerUi.SwaggerUiOptions {
  return {
    customSiteTitle: 'StateSet Voice API reference',
    // With several documents, explorer mode shows the selector between them.
    explorer: true,
    swaggerOptions: {
      urls: [
        { url: DOCUMENT_PATHS.public, name: 'Public API (tenant keys)' },
        ...(includeAdmin ? [{ url: DOCUMENT_PATHS.admin, name: 'Admin API (admin key)' }] : []),
      ],
    },
  };
}

/**
 * Without an admin key the admin API does not exist, so neither does its
 * document: nothing tells a prober that admin routes could be there.
 */
export function docsRouter(documents: ApiDocuments, options: { includeAdmin: boolean }): Router {
  const router = Router();
  const PAGE_OPTIONS = pageOptions(options.includeAdmin);
  router.get(DOCUMENT_PATHS.public, (_request, response) => {
    response.json(documents.public);
  });
  if (options.includeAdmin) {
    router.get(DOCUMENT_PATHS.admin, (_request, response) => {
      response.json(documents.admin);
    });
  }

  // The page loads its assets relative to itself, so it must be served at /docs/.
  const page = swaggerUi.setup(undefined, PAGE_OPTIONS);
  router.get('/docs', (request, response, next) => {
    if (!request.originalUrl.split('?')[0]?.endsWith('/')) {
      response.redirect(301, '/docs/');
      return;
    }
    page(request, response, next);
  });
  router.use('/docs', swaggerUi.serveFiles(undefined, PAGE_OPTIONS));
  return router;
}
