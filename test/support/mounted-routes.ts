/**
 * Every route an Express 5 app mounts, read from its router stack: each
 * `app.use(path, router)` layer keeps its path as `rawPath`, each route its
 * path and methods. Middleware that is not a route (static files) is skipped.
 */
import type { Express } from 'express';

export interface MountedRoute {
  method: string;
  /** Express syntax, from the root: /api/v1/call-logs/:id */
  path: string;
}

interface Layer {
  rawPath?: unknown;
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function join(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/$/, '')}/${path.replace(/^\//, '')}`;
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

function walk(stack: Layer[], prefix: string, found: MountedRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      for (const [method, enabled] of Object.entries(layer.route.methods)) {
        if (enabled && method !== '_all')
          found.push({ method, path: join(prefix, layer.route.path) });
      }
    } else if (layer.handle?.stack) {
      const mountPath = typeof layer.rawPath === 'string' ? layer.rawPath : '/';
      walk(layer.handle.stack, join(prefix, mountPath), found);
    }
  }
}

export function mountedRoutes(app: Express): MountedRoute[] {
  const router = (app as unknown as { router: { stack: Layer[] } }).router;
  const found: MountedRoute[] = [];
  walk(router.stack, '/', found);
  return found;
}
