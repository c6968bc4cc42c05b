import type { LarkCaller } from './lark-call.js';
import { ensureOk } from './lark-errors.js';

/** A paged Lark answer: one page of items, whether more follow, and the next page's token. */
interface PagedAnswer<T> {
  code?: number;
  msg?: string;
  data?: { items?: T[]; has_more?: boolean; page_token?: string };
}

/**
 * Every page's items, in order, at most `maxPages` pages (what is read by then is returned). Each page
 * is one `caller.call` through `ensureOk`, so a refusal is a LarkApiError and no answer a
 * LarkNetworkError, as for any other call. `fetchPage` spreads `page` into its params: empty for the
 * first page, `{ page_token }` after.
 */
export async function readPages<T>(
  caller: LarkCaller,
  api: string,
  maxPages: number,
  fetchPage: (page: { page_token?: string }) => Promise<PagedAnswer<T> | null | undefined>,
): Promise<T[]> {
  const out: T[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const token = pageToken;
    const res = await caller.call(api, async () =>
      ensureOk(await fetchPage(token ? { page_token: token } : {}), api),
    );
    out.push(...(res.data?.items ?? []));
    pageToken = res.data?.page_token;
    if (!res.data?.has_more || !pageToken) break;
  }
  return out;
}
