import { describe, expect, it } from 'vitest';
import {
  BROWSING_ROUTES,
  COMPILATION_ROUTES,
  FOUR_PROPERTIES_ROUTES,
  pageRouteTable,
  SIGN_IN_ROUTES,
  TRANSFER_ROUTES,
  URGE_ROUTES,
} from '../../src/http/page-routes.js';

/** Every route the features declare (pages, archive, schedules). */
const PAGE_ROUTES = [
  ...SIGN_IN_ROUTES,
  ...BROWSING_ROUTES,
  ...COMPILATION_ROUTES,
  ...TRANSFER_ROUTES,
  ...FOUR_PROPERTIES_ROUTES,
  ...URGE_ROUTES,
];
const table = pageRouteTable(PAGE_ROUTES);
const matchPageRoute = (method: string, path: string) => table.match(method, path);

describe('the declared page routes', () => {
  it('are unique by method and path, and only the sign-in steps are public', () => {
    const keys = PAGE_ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(PAGE_ROUTES.filter((r) => r.who === 'public').map((r) => r.path)).toEqual([
      '/auth/login',
      '/auth/callback',
    ]);
    for (const r of PAGE_ROUTES) expect(r.summary, r.path).not.toBe('');
  });

  it('match whole paths with positive whole-number params only (HEAD as GET)', () => {
    expect(matchPageRoute('GET', '/items/42')).toMatchObject({
      route: { path: '/items/:id' },
      params: { id: 42 },
    });
    expect(matchPageRoute('HEAD', '/files/7')?.params).toEqual({ id: 7 });
    expect(matchPageRoute('POST', '/units/3/chronicle')?.route.path).toBe('/units/:id/chronicle');
    for (const path of [
      '/items/0',
      '/items/-1',
      '/items/1e3',
      '/items/abc',
      '/items/',
      '/items/1/',
      '/files/../x',
      '/items/1234567890123456',
    ])
      expect(matchPageRoute('GET', path), path).toBeUndefined();
    expect(matchPageRoute('POST', '/items/1')).toBeUndefined();
    expect(matchPageRoute('GET', '/urge')).toBeUndefined();
    // A four-properties run is named by the query (?run=…), never by a path segment.
    expect(matchPageRoute('GET', '/four-properties/report')?.route.path).toBe('/four-properties/report');
    expect(matchPageRoute('GET', '/four-properties/report/x')).toBeUndefined();
  });
});
