/**
 * fetch, sent once more when it met a kept-alive connection the server had just closed, as a browser
 * does. undici does not: after this process's event loop stood still a while (a PGlite seeding on a
 * loaded machine), its pooled socket's close and the next request raced, and the request failed with
 * ECONNRESET (web-transfers, a full run under load; a webhook post after a long setup). A reset before any answer
 * means nothing was done (and Lark events are deduplicated by their id anyway).
 */
export async function fetchAsBrowser(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET') throw err;
    return fetch(url, init);
  }
}
