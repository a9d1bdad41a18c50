/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Renders Teams cards with the Adaptive Cards JavaScript renderer (the one the Adaptive Cards
 * designer uses) in headless Chromium, checks that each card renders what it should, and — with
 * `UPDATE_PICTURES=1` — saves them as the PNGs shown in docs/outputs/teams.md:
 *
 *   UPDATE_PICTURES=1 npx vitest run packages/klaxon/src/outputs/teams.pictures.test.ts
 *
 * Needs Debian's Chromium at /usr/bin/chromium (`apt-get install -y chromium`); without it the
 * tests are reported as skipped (and fail under CI=true, where .ci/run installs it), never passed. The renderer is the SDK's, not Teams itself: fonts
 * and spacing differ a little from a Teams client.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamsOutput } from './teams.js';
import { goldenCases } from './testdata/golden-cases.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const UPDATE = process.env.UPDATE_PICTURES === '1';
const IMG_DIR = fileURLToPath(new URL('../../../../docs/img/', import.meta.url));
const AC_BUNDLE = createRequire(import.meta.url).resolve('adaptivecards/dist/adaptivecards.min.js');

/** The pictures: file name, golden case, and a text the rendered card must show. */
const PICTURES = [
  ['teams-high-guardduty', 'guardduty--UnauthorizedAccess_EC2-TorClient', 'HIGH 8.0 · GuardDuty'],
  [
    'teams-medium-securityhub',
    'securityhub--asr--fsbp_EC2.15--MEDIUM_FAILED_NEW',
    'MEDIUM 4.0 · Security Hub',
  ],
  ['teams-low-guardduty', 'guardduty--Recon_EC2-PortProbeUnprotectedPort', 'LOW 2.0 · GuardDuty'],
  ['teams-digest', 'kind-digest--guardduty', '+6 more not listed'],
] as const;

// Teams-like light theme: Segoe UI where present, Teams' text and accent colours.
const HOST_CONFIG = {
  fontFamily: "'Segoe UI', 'Liberation Sans', 'DejaVu Sans', sans-serif",
  containerStyles: {
    default: { backgroundColor: '#FFFFFF', foregroundColors: teamsColours() },
    emphasis: { backgroundColor: '#F5F5F5', foregroundColors: teamsColours() },
    accent: { backgroundColor: '#DCE8F7', foregroundColors: teamsColours() },
    good: { backgroundColor: '#E7F2DA', foregroundColors: teamsColours() },
    attention: { backgroundColor: '#FCE4E4', foregroundColors: teamsColours() },
    warning: { backgroundColor: '#FFF4CE', foregroundColors: teamsColours() },
  },
};

function teamsColours() {
  return {
    default: { default: '#242424', subtle: '#616161' },
    accent: { default: '#2F7BBF', subtle: '#2F7BBF' },
    good: { default: '#237B4B', subtle: '#237B4B' },
    warning: { default: '#835B00', subtle: '#835B00' },
    attention: { default: '#C4314B', subtle: '#C4314B' },
  };
}

describe.skipIf(!HAVE_CHROMIUM && process.env.CI !== 'true')('teams cards in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  const cases = new Map(goldenCases().map((c) => [c.name, c]));

  it.each(PICTURES)(
    'renders %s',
    async (file, caseName, mustShow) => {
      const c = cases.get(caseName);
      if (c === undefined) throw new Error(`no golden case ${caseName}`);
      const body = teamsOutput.render(
        c.notification,
        { type: 'teams', url: 'https://example.invalid/' },
        c.ctx,
      ).body as { attachments: { content: unknown }[] };
      const card = body.attachments[0]?.content;

      const page = await browser.newPage({ viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 });
      try {
        // Nothing is fetched: the page is blank and the renderer is injected from node_modules.
        await page.route('**/*', (route) => route.abort());
        await page.setContent(
          '<!doctype html><html><head><style>' +
            // The SDK leaves buttons unstyled; this is Teams' secondary button, near enough.
            '.ac-pushButton{background:#fff;border:1px solid #d1d1d1;border-radius:4px;padding:5px 12px;' +
            "font:600 14px 'Segoe UI','Liberation Sans',sans-serif;color:#242424}" +
            '</style></head><body style="margin:0;background:#EBEBEB;font-family:sans-serif">' +
            '<div id="frame" style="width:560px;margin:16px;padding:0;background:#fff;border-radius:6px;' +
            'box-shadow:0 1px 3px rgba(0,0,0,.2);overflow:hidden"><div id="card"></div></div></body></html>',
        );
        await page.addScriptTag({ path: AC_BUNDLE });
        const result = await page.evaluate(
          ({ card, hostConfig }) => {
            // biome-ignore lint/suspicious/noExplicitAny: the UMD bundle's global
            const AC = (window as any).AdaptiveCards;
            const adaptive = new AC.AdaptiveCard();
            adaptive.hostConfig = new AC.HostConfig(hostConfig);
            const errors: string[] = [];
            const context = new AC.SerializationContext();
            adaptive.parse(card, context);
            for (let i = 0; i < context.eventCount; i++) errors.push(context.getEventAt(i).message);
            const element = adaptive.render() as HTMLElement;
            document.getElementById('card')?.appendChild(element);
            const links = [...document.querySelectorAll('a')].map((a) => a.getAttribute('href'));
            return { errors, text: element.textContent ?? '', links, height: element.offsetHeight };
          },
          { card, hostConfig: HOST_CONFIG },
        );
        expect(result.errors).toEqual([]);
        expect(result.text).toContain(mustShow);
        // The SDK renders TextBlocks as text: no anchor comes from a finding's words.
        expect(result.links.filter((href) => href !== null)).toEqual([]);
        expect(result.height).toBeGreaterThan(100);
        const png = await page.locator('#frame').screenshot({ type: 'png' });
        expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
        if (UPDATE) {
          mkdirSync(IMG_DIR, { recursive: true });
          writeFileSync(`${IMG_DIR}${file}.png`, png);
        }
      } finally {
        await page.close();
      }
    },
    60_000,
  );
});
