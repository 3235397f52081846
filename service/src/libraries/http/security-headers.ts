import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * Every response is JSON (or a file download) that no browser should render as a page: nothing may
 * load from it, and it may not be framed.
 */
export const API_CSP_DIRECTIVES = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/**
 * Swagger UI (swagger-ui-express, assets from swagger-ui-dist in the image): its scripts are files
 * of this origin (the init script too, no inline script and no eval), the spec is embedded and
 * "Try it out" calls this origin. Styles need 'unsafe-inline': the page has <style> blocks and the
 * React UI sets style attributes. Images: its icons are data: URIs, a binary response (an avatar)
 * is shown from a blob: URL.
 */
export const SWAGGER_UI_CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * helmet's security headers on every response, with the API's strict Content-Security-Policy.
 * Changed from helmet's defaults: the CSP (above; no `upgrade-insecure-requests`, which would break
 * Swagger UI over plain HTTP in development), `X-Frame-Options: DENY` (as `frame-ancestors 'none'`)
 * and `Cross-Origin-Resource-Policy: same-site`, so that a front end on a sibling subdomain may still
 * show avatars with <img>. HSTS stays on: browsers only see the service through the ALB's HTTPS.
 */
export function securityHeaders(): RequestHandler {
  return precomputed(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: API_CSP_DIRECTIVES },
      crossOriginResourcePolicy: { policy: 'same-site' },
      xFrameOptions: { action: 'deny' },
    }),
  );
}

/**
 * helmet's headers depend only on its options (no directive here is a per-request function), so
 * they are recorded once from a stand-in response and every request then gets the same headers set
 * in one loop, instead of through helmet's chain of a dozen middleware calls.
 */
function precomputed(middleware: RequestHandler): RequestHandler {
  const set: [string, string][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: string) => void set.push([name, value]),
    removeHeader: (name: string) => void removed.push(name),
  };
  let finished = false;
  middleware({} as Request, recorder as unknown as Response, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error(String(err));
    finished = true;
  });
  if (!finished) throw new Error('security headers: the middleware did not finish synchronously');
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}

/** The Content-Security-Policy of the Swagger UI pages; mounted after securityHeaders(), it replaces the API's. */
export function swaggerUiCsp(): RequestHandler {
  return helmet.contentSecurityPolicy({ useDefaults: false, directives: SWAGGER_UI_CSP_DIRECTIVES });
}
