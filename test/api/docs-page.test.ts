/**
 * The /docs page in a real browser: Debian's Chromium, headless, driven by
 * playwright-core. Every request the page makes is checked to stay on the
 * API's own origin (its assets are served locally, no CDN).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const PAGE_TIMEOUT_MS = 60_000;

let harness: ApiHarness;
let browser: BrowserContext;
let profile: string;

before(async () => {
  harness = await startApiHarness();
  profile = mkdtempSync(join(tmpdir(), 'docs-chromium-'));
  // A persistent context is how playwright takes a fresh --user-data-dir of our choosing.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
after(async () => {
  await browser?.close();
  rmSync(profile, { recursive: true, force: true });
  await harness.stop();
});

test('the /docs page renders the public API with the make-call operation, from local assets only', async () => {
  const page = await browser.newPage();
  const origins = new Set<string>();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol.startsWith('http')) origins.add(url.origin);
  });

  const response = await page.goto(`${harness.url}/docs`, { timeout: PAGE_TIMEOUT_MS });
  assert.equal(response?.status(), 200);
  assert.ok(page.url().endsWith('/docs/'), `landed on ${page.url()}`);

  const operation = page.locator('#operations-Calls-makeCall');
  await operation.waitFor({ timeout: PAGE_TIMEOUT_MS });
  assert.match(await operation.innerText(), /POST\s*\/api\/v1\/make-call/);
  assert.match(await operation.innerText(), /Start an outbound call/);
  assert.equal(await page.title(), 'StateSet Voice API reference');
  assert.deepEqual([...origins], [harness.url]);
  await page.close();
});

test('the page offers the admin document too', async () => {
  const page = await browser.newPage();
  await page.goto(`${harness.url}/docs/`, { timeout: PAGE_TIMEOUT_MS });
  const selector = page.locator('select#select');
  await selector.waitFor({ timeout: PAGE_TIMEOUT_MS });
  const choices = await selector.locator('option').allInnerTexts();
  assert.deepEqual(choices, ['Public API (tenant keys)', 'Admin API (admin key)']);

  await selector.selectOption({ label: 'Admin API (admin key)' });
  const approve = page.locator('#operations-Agent_versions_and_approvals-approveAgentVersion');
  await approve.waitFor({ timeout: PAGE_TIMEOUT_MS });
  assert.match(
    await approve.innerText(),
    /\/api\/v1\/admin\/agents\/\{agent_id\}\/versions\/\{version_id\}\/approve/,
  );
  await page.close();
});
