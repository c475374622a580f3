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

const PAGE_OPTIONS: swaggerUi.SwaggerUiOptions = {
  customSiteTitle: 'StateSet Voice API reference',
  // With several documents, explorer mode shows the selector between them.
  explorer: true,
  swaggerOptions: {
    urls: [
      { url: DOCUMENT_PATHS.public, name: 'Public API (tenant keys)' },
      { url: DOCUMENT_PATHS.admin, name: 'Admin API (admin key)' },
    ],
  },
};

export function docsRouter(documents: ApiDocuments): Router {
  const router = Router();
  router.get(DOCUMENT_PATHS.public, (_request, response) => {
    response.json(documents.public);
  });
  router.get(DOCUMENT_PATHS.admin, (_request, response) => {
    response.json(documents.admin);
  });

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
