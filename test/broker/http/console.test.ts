import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMITTED, GROUP, type HttpScenario, PRODUCED, startHttpScenario, TOPIC } from './http-fixture.js';

/** Debian's chromium (`apt-get install chromium`; .ci/run installs it): playwright-core drives it and downloads no browser of its own. */
const CHROMIUM = process.env.SAMSA_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The web console in headless Chromium, read as a person reads it: the topic
 * with its partitions, the group with its member and its lag after a
 * partial consume, the throughput charts moving while records are produced,
 * and the tables following a new commit without a reload.
 */
describe('the web console', () => {
  let s: HttpScenario;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (or set SAMSA_CHROMIUM)`);
    s = await startHttpScenario();
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    const res = await page.goto(`${s.http}/`);
    expect(res?.status()).toBe(200);
  });

  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('shows the broker, and the topic with its partitions, offsets and configs', async () => {
    await expect(page.title()).resolves.toBe('samsa · broker 0');
    expect(await page.locator('#brokers tbody tr').first().innerText()).toContain('0 (this broker)');
    const topic = page.locator(`details.topic[data-topic="${TOPIC}"]`);
    const summary = await topic.locator('summary').first().innerText();
    expect(summary).toContain(TOPIC);
    expect(summary).toContain('2 partitions');
    await topic.locator('summary').first().click(); // opens it, as a reader would
    const rows = topic.locator(':scope > table tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    for (const partition of [0, 1]) {
      const cells = await rows.nth(partition).locator('td').allInnerTexts();
      // partition, leader, replicas, isr, log start, log end, high watermark, size
      expect(cells.slice(0, 7)).toEqual([String(partition), '0', '0', '0', '0', String(PRODUCED[partition]), String(PRODUCED[partition])]);
    }
    await topic.locator('details.configs summary').click();
    const config = await topic.locator('details.configs tr', { hasText: 'cleanup.policy' }).locator('td').allInnerTexts();
    expect(config).toEqual(['cleanup.policy', 'delete', 'default']);
  });

  it('shows the group with its member and its lag per partition after a partial consume', async () => {
    const group = page.locator(`.group[data-group="${GROUP}"]`);
    const heading = await group.locator('h3').innerText();
    expect(heading).toContain(GROUP);
    expect(heading).toContain('Stable');
    expect(heading).toContain('1 member');
    expect(await group.locator('.total-lag').innerText()).toBe(String(PRODUCED[0]! - COMMITTED[0]!));
    const member = await group.locator('table').first().locator('tbody td').allInnerTexts();
    expect(member[2]).toBe('billing-worker');
    expect(member[4]).toBe(`${TOPIC}-0, ${TOPIC}-1`);
    const lags = group.locator('table').nth(1).locator('tbody tr');
    for (const partition of [0, 1]) {
      const cells = await lags.nth(partition).locator('td').allInnerTexts();
      // topic, partition, committed offset, high watermark, lag
      expect(cells.slice(0, 5)).toEqual([
        TOPIC,
        String(partition),
        String(COMMITTED[partition]),
        String(PRODUCED[partition]),
        String(PRODUCED[partition]! - COMMITTED[partition]!),
      ]);
    }
  });

  it('charts the throughput while records are produced', async () => {
    const rate = page.locator('#rate-messages');
    let sent = 0;
    // Produce until the chart's figure shows a rate: the script samples once a second.
    for (let i = 0; i < 400 && !/^[1-9]/.test(await rate.innerText()); i++) {
      await s.produce(20);
      sent += 20;
    }
    expect(await rate.innerText()).toMatch(/^[1-9]/);
    expect(sent).toBeGreaterThan(0);
    // The chart has been drawn: some of its pixels are not blank.
    // The page's own globals (this project's types know no DOM).
    const drawn = await page.evaluate(() => {
      const canvas = (globalThis as any).document.getElementById('chart-messages');
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) inked++;
      return inked;
    });
    expect(drawn).toBeGreaterThan(100);
  });

  it('follows a new commit without a reload, and the page broke no rule of its own', async () => {
    const end = (await s.broker.broker.context.replicas.getPartition(TOPIC, 0)!.highWatermark) as number;
    await s.consumer.commitSync([{ topic: TOPIC, partition: 0, offset: end }]);
    // The tables are fetched again every five seconds, keeping the opened topic open.
    await page.waitForFunction((group) => (globalThis as any).document.querySelector(`.group[data-group="${group}"] .total-lag`)?.textContent === '0', GROUP, {
      timeout: 30_000,
    });
    expect(await page.locator(`details.topic[data-topic="${TOPIC}"]`).getAttribute('open')).not.toBeNull();
    expect(pageErrors).toEqual([]);
  });
});
