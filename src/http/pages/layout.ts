import { html, trusted, type Html } from './html.js';

export interface LayoutViewer {
  name: string;
  csrf: string;
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#1f2329;background:#f5f6f7}
header{background:#3370ff;color:#fff;padding:8px 12px;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none}header .sp{flex:1}header form{margin:0}
header input[type=search]{width:9em;max-width:40vw;padding:3px 6px;border:0;border-radius:4px}
main{max-width:960px;margin:0 auto;padding:12px}
h1{font-size:20px;margin:8px 0}h2{font-size:17px;margin:16px 0 6px}
.crumbs{font-size:13px;color:#646a73;margin-bottom:4px}.crumbs a{color:#3370ff}
.card{background:#fff;border-radius:8px;padding:10px 12px;margin:8px 0;box-shadow:0 1px 2px rgba(0,0,0,.06)}
table{width:100%;border-collapse:collapse;background:#fff}th,td{padding:6px 4px;border-bottom:1px solid #eee;text-align:left;vertical-align:top;font-size:14px}
th{color:#646a73;font-weight:normal}td.n,th.n{text-align:right;white-space:nowrap}
.scroll{overflow-x:auto}.muted{color:#8f959e;font-size:13px}.bad{color:#d83931}.ok{color:#2ea121}
.bar{height:6px;background:#eee;border-radius:3px;min-width:60px}.bar i{display:block;height:6px;background:#3370ff;border-radius:3px}
.thumbs{display:flex;flex-wrap:wrap;gap:6px}.thumbs a{display:block}.thumbs img{width:104px;height:104px;object-fit:cover;border-radius:4px;background:#ddd}
.viewer img{max-width:100%;height:auto}.viewer embed{width:100%;height:80vh}
button,.btn{background:#3370ff;color:#fff;border:0;border-radius:4px;padding:4px 10px;font-size:14px;cursor:pointer;text-decoration:none;display:inline-block}
button.sec{background:#fff;color:#3370ff;border:1px solid #3370ff}.sent{color:#2ea121;font-size:13px}
form.inline{display:inline}dl{display:grid;grid-template-columns:6em 1fr;gap:2px 8px;margin:0}dt{color:#646a73}dd{margin:0;word-break:break-all}
.filters{display:flex;flex-wrap:wrap;gap:6px;align-items:center}.filters input,.filters select{padding:4px;font-size:14px;max-width:100%}
@media (max-width:480px){th.hide,td.hide{display:none}main{padding:8px}}
.photos{display:grid;grid-template-columns:1fr 1fr;gap:6px}.photos figure{margin:0}.photos img{width:100%;height:auto;display:block}
@media print{@page{size:A4;margin:15mm}header,.noprint,details{display:none!important}body{background:#fff;font-size:12pt}
main{max-width:none;padding:0}.card{box-shadow:none;padding:0;margin:0 0 8mm}.group{break-inside:avoid;page-break-inside:avoid}
a{color:inherit;text-decoration:none}th.hide,td.hide{display:table-cell}}
`;

/** The page frame: header with search and sign-out, the content, one small script (confirm on 督办). */
export function layout(title: string, viewer: LayoutViewer | undefined, body: Html): Html {
  return html`<!doctype html>
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${title} · 归档助手</title>
        <style>
          ${trusted(CSS)}
        </style>
      </head>
      <body>
        <header>
          <a href="/"><b>归档助手</b></a
          ><span class="sp"></span>
          ${
            viewer
              ? html`<form action="/search" method="get" role="search">
                    <input type="search" name="q" placeholder="搜索" aria-label="搜索" />
                  </form>
                  <span>${viewer.name}</span>
                  <form method="post" action="/auth/logout">
                    <input type="hidden" name="_csrf" value="${viewer.csrf}" /><button
                      class="sec"
                      type="submit"
                    >
                      退出
                    </button>
                  </form>`
              : ''
          }
        </header>
        <main>${body}</main>
        <script>
          document.addEventListener('submit', function (e) {
            var m = e.target.getAttribute('data-confirm');
            if (m && !confirm(m)) e.preventDefault();
          });
        </script>
      </body>
    </html>`;
}

/** A plain page with a message (errors, not found, refused). */
export function messagePage(
  title: string,
  message: string,
  viewer?: LayoutViewer,
  back?: string,
  backLabel = '返回',
): Html {
  return layout(
    title,
    viewer,
    html`<h1>${title}</h1>
      <div class="card" id="message">${message}</div>
      <p>${back ? html`<a id="back" href="${back}">${backLabel}</a>` : html`<a href="/">返回首页</a>`}</p>`,
  );
}
