// The status page in headless Chromium: it loads, shows the three nodes of the test mesh, and
// shows a node offline once it stops. Usage: node status_page.test.js URL PID_OF_GAMMA
'use strict';
const puppeteer = require('puppeteer-core');

const [url, gammaPid] = process.argv.slice(2);

async function rows(page) {
  return page.$$eval('#nodes tbody tr', (trs) =>
    trs.map((tr) => ({
      name: tr.dataset.node,
      status: tr.querySelector('.status') ? tr.querySelector('.status').textContent : '',
    })));
}

async function waitFor(page, what, test, ms) {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    last = await rows(page);
    if (test(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${ms} ms waiting until ${what}; the page shows ${JSON.stringify(last)}`);
}

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const errors = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    const response = await page.goto(url, { waitUntil: 'load', timeout: 15000 });
    if (response.status() !== 200) throw new Error(`GET ${url}: HTTP ${response.status()}`);
    const csp = response.headers()['content-security-policy'] || '';
    if (!csp.includes("default-src 'self'")) throw new Error(`no CSP on the page: '${csp}'`);

    const names = (r) => r.map((x) => x.name).sort().join(',');
    await waitFor(page, 'alpha, beta and gamma are shown online',
      (r) => names(r) === 'alpha,beta,gamma' && r.every((x) => x.status === 'online'), 15000);
    const self = await page.$eval('#node-name', (e) => e.textContent);
    if (self !== 'alpha') throw new Error(`the page names this node '${self}', not alpha`);
    console.log('status page: alpha, beta and gamma online');

    process.kill(Number(gammaPid), 'SIGTERM');
    const started = Date.now();
    // A clean stop marks it offline at once; the registry's timeout (stale_threshold_ms 1500)
    // plus two polls bounds it in any case.
    await waitFor(page, 'gamma is shown offline or stale',
      (r) => r.some((x) => x.name === 'gamma' && x.status !== 'online'), 1500 + 2 * 2000 + 3000);
    console.log(`status page: gamma shown stopped after ${Date.now() - started} ms`);
    if (errors.length) throw new Error('errors in the page: ' + errors.join('; '));
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error('browser test FAILED: ' + e.message);
  process.exit(1);
});
