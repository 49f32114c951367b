// Drives the dashboard in Debian's headless Chromium: overview, an escaped payload, a dead task retried by a click.
// Usage: node dashboard-flow.mjs <base url of the dashboard> <dead task id> <xss task id> <screenshot folder>
// Prints one JSON line with the screenshots taken; exits non-zero with the reason on any failure.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [baseUrl, deadId, xssId, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node dashboard-flow.mjs <base url> <dead task id> <xss task id> <screenshot folder>');
  process.exit(2);
}

const userDataDir = mkdtempSync(join(tmpdir(), 'tq-chromium-'));
const screenshots = [];
let context;
try {
  // launchPersistentContext passes the fresh profile as --user-data-dir and headless as --headless.
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    timeout: 60_000,
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(20_000);
  const dialogs = [];
  page.on('dialog', async dialog => { dialogs.push(dialog.message()); await dialog.dismiss(); });
  const shot = async name => {
    const path = join(outDir, name);
    await page.screenshot({ path, fullPage: true });
    screenshots.push(path);
  };
  const expectText = async (selector, expected) => {
    const text = (await page.locator(selector).first().innerText()).trim();
    if (!text.includes(expected)) throw new Error(`${selector} shows '${text}', expected '${expected}' on ${page.url()}`);
  };

  await page.goto(`${baseUrl}/`);
  await expectText('tr[data-queue="orders"] td[data-state="Succeeded"]', '3');
  await expectText('#total', '11');
  if (await page.locator('svg[role="img"] rect').count() < 60) throw new Error('the throughput chart has no bars');
  await shot('overview.png');

  await page.getByRole('link', { name: 'Dead', exact: true }).first().click();
  await page.waitForURL(/state=Dead/);
  if (await page.locator('tr[data-id]').count() < 1) throw new Error('the dead-task list is empty');
  await shot('tasks-dead.png');

  await page.goto(`${baseUrl}/tasks/${xssId}`);
  await expectText('#payload', "<script>alert('owned')</script>");
  await shot('detail-escaped-payload.png');

  await page.goto(`${baseUrl}/tasks/${deadId}`);
  await expectText('#state', 'Dead');
  await shot('detail-dead.png');
  await page.locator('#retry').click();
  await page.waitForURL(/done=retried/);
  await expectText('#state', 'Pending');
  await expectText('#notice', 'pending again');
  await shot('detail-retried.png');

  if (dialogs.length > 0) throw new Error(`a script ran on a dashboard page: ${dialogs.join('; ')}`);
  console.log(JSON.stringify({ ok: true, screenshots }));
} catch (error) {
  console.error(error?.stack ?? String(error));
  process.exitCode = 1;
} finally {
  await context?.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
