/**
 * 52 web crawler: fetch pages with 4 requests in flight, extract their links, and send every link not seen
 * yet back into the fetch stage with `out.to('fetch')` — a loop that only dynamic routing may close. The run
 * ends by itself once no page is being fetched and no link is waiting.
 *
 *   seed ─> fetch (4 at once) ─> extract ─> store
 *             ^                     │
 *             └── out.to('fetch') ──┘  (new same-site links only)
 *
 * Without a start URL in the state, `beforeRun` serves a small demo site on 127.0.0.1 (a free port) and
 * `afterRun` closes it, so the example needs no network.
 *
 * Run: npx tsx examples/52-web-crawler.ts   or   npx minigun run examples/52-web-crawler.ts
 *      (or crawl a site of your own: --state state.json with { "start": "http://localhost:8080/" })
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMain, pipeline } from '@minigun/core';
import { done, expect } from './lib/check.js';

/** The demo site: each page and the links on it. One link leads to a page that does not exist, one off-site. */
export const SITE: Record<string, string[]> = {
  '/': ['/docs', '/blog', '/about'],
  '/docs': ['/docs/install', '/docs/api', '/'],
  '/docs/install': ['/docs/api', '/docs#top'],
  '/docs/api': ['/docs/install', '/missing'],
  '/blog': ['/blog/1', '/blog/2', '/about'],
  '/blog/1': ['/blog/2', '/blog'],
  '/blog/2': ['/blog/1', 'https://elsewhere.example/'],
  '/about': ['/'],
};

interface DemoSite {
  url: string;
  /** Requests served per path. */
  hits: Map<string, number>;
  /** Most requests in progress at once. */
  peak: number;
  close(): Promise<void>;
}

/** Serves SITE on 127.0.0.1, answering each request after a short delay (so that fetches overlap). */
async function serveDemoSite(): Promise<DemoSite> {
  let inFlight = 0;
  const site: Omit<DemoSite, 'url' | 'close'> = { hits: new Map(), peak: 0 };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://demo').pathname;
    site.hits.set(path, (site.hits.get(path) ?? 0) + 1);
    site.peak = Math.max(site.peak, ++inFlight);
    setTimeout(() => {
      inFlight--;
      const links = SITE[path];
      if (links === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const body = links.map((href) => `<a href="${href}">${href}</a>`).join('\n');
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><head><title>${path}</title></head><body>${body}</body></html>`);
    }, 15);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(site, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections(); // fetch keeps connections alive; close() alone would wait for them
        server.close((e) => (e === undefined ? resolve() : reject(e)));
      }),
  });
}

export interface CrawlState {
  /** Where to start; the crawl stays on its origin. Default: the demo site. */
  start?: string;
  seen?: Set<string>;
  demo?: DemoSite;
}

interface Page {
  url: string;
  html: string;
}

export const crawler = pipeline<CrawlState>('web-crawler', { module: import.meta.url }, (p) => {
  p.beforeRun(async (ctx) => {
    ctx.state.seen = new Set();
    if (ctx.state.start === undefined) {
      ctx.state.demo = await serveDemoSite();
      ctx.state.start = `${ctx.state.demo.url}/`;
    }
  });
  p.afterRun(async (ctx) => {
    await ctx.state.demo?.close();
  });

  p.producer('seed', async (out, ctx) => {
    const start = new URL(ctx.state.start!).href;
    ctx.state.seen!.add(start);
    await out.emit(start);
  });

  p.processor('fetch', { concurrency: 4 }, async (url: string, _out, ctx): Promise<Page> => {
    const res = await fetch(url, { signal: ctx.signal });
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    return { url, html: await res.text() };
  });

  // Inline, in the parent: the one place that decides what to crawl next, so no link is fetched twice.
  p.processor('extract', async (page: Page, out, ctx) => {
    const origin = new URL(ctx.state.start!).origin;
    const links = [...page.html.matchAll(/href="([^"]+)"/g)].map((m) => new URL(m[1]!, page.url));
    for (const link of links) {
      link.hash = '';
      if (link.origin !== origin || ctx.state.seen!.has(link.href)) continue;
      ctx.state.seen!.add(link.href);
      await out.to('fetch').emit(link.href);
    }
    return { url: page.url, title: /<title>(.*?)<\/title>/.exec(page.html)?.[1] ?? '', links: links.length };
  });

  p.consumer('store', (page: { url: string; title: string; links: number }, _out, ctx) => {
    ctx.collect('pages', page);
  });
});

if (isMain(import.meta)) {
  const state: CrawlState = {};
  const result = await crawler.run({ state });
  const pages = (result.collected.pages ?? []) as Array<{ url: string; title: string; links: number }>;
  const demo = state.demo!;
  const paths = pages.map((pg) => new URL(pg.url).pathname).sort();
  for (const pg of pages) console.log(`52 stored ${new URL(pg.url).pathname.padEnd(14)} "${pg.title}" (${pg.links} links)`);
  console.log(`52 failed: ${result.errors.map((e) => `${e.stage}: ${e.message}`).join('; ')}; at most ${demo.peak} requests at once`);
  const sitePaths = Object.keys(SITE).sort();
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(paths.join() === sitePaths.join(), `every page of the site was stored (${paths.length} of ${sitePaths.length})`);
  expect(
    [...sitePaths, '/missing'].every((path) => demo.hits.get(path) === 1) && demo.hits.size === sitePaths.length + 1,
    'the server saw exactly one request per linked path: visited URLs were not fetched again',
  );
  expect(
    result.errors.length === 1 && result.errors[0]!.stage === 'fetch' && result.errors[0]!.message.includes('/missing: HTTP 404'),
    'the broken link failed in fetch (HTTP 404) and the crawl went on',
  );
  expect(!pages.some((pg) => pg.url.includes('elsewhere.example')), 'the off-site link was not followed');
  expect(demo.peak >= 2 && demo.peak <= 4, `fetches overlapped, never more than concurrency 4 at once (peak ${demo.peak})`);
  done('52-web-crawler');
}
