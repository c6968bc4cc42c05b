import type { PageContext } from '../web-context.js';
import { page } from '../web-app.js';
import { unitKindLabel } from './format.js';
import { html } from './html.js';
import { layout } from './layout.js';

/** GET / — one unit: straight to it; several: the list of the viewer's units. */
export async function homePage(c: PageContext): Promise<void> {
  const roots = c.viewer.roots;
  if (roots.length === 1) return c.koa.redirect(`/units/${roots[0]!.id}`);
  const body = html`<h1>我的单位</h1>
    <div class="card">
      <ul>
        ${roots.map(
          (u) =>
            html`<li>
              <a href="/units/${u.id}">${u.fullName}</a>
              <span class="muted">${unitKindLabel(u)}</span>
            </li>`,
        )}
      </ul>
    </div>`;
  page(c.koa, 200, layout('我的单位', c.viewer, body));
}
