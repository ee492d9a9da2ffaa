import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cjkGlyphs, findChromium, launchChromium, woffToSfnt, type ChromiumChoice } from '../../helpers/chromium.ts';

/**
 * The browser tests' fallback for a machine with only Node: Chromium and a CJK font from npm packages. The glyph
 * check the zh-CN statement test relies on must be able to fail: with no CJK font it has to see tofu.
 */

const scratch = mkdtempSync(join(tmpdir(), 'kam-chromium-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function glyphsWith(choice: ChromiumChoice) {
  const browser = await launchChromium(choice);
  try {
    const page = await browser.newPage();
    await page.setContent('<html lang="zh-CN"><body style="font-family: Arial, sans-serif"><p>电费账单 Statement</p></body></html>');
    return await cjkGlyphs(page);
  } finally {
    await browser.close();
  }
}

describe('findChromium', () => {
  it('refuses an unknown KAM_CHROMIUM value', () => {
    expect(() => findChromium('chrome')).toThrow('KAM_CHROMIUM=chrome: expected npm or debian');
  });

  it('unpacks the npm Chromium and draws Chinese with the npm font, and the check sees tofu without it', async () => {
    const npm = findChromium('npm');
    expect(npm).toMatchObject({ source: 'npm', fonts: 'npm' });
    expect(npm.args).toContain('--disable-background-networking');

    const withFont = await glyphsWith(npm);
    expect(withFont).toMatchObject({ chars: '电费', distinct: true });
    expect(withFont.ink).toBeGreaterThan(20);

    // The same browser with a fontconfig that knows only the Latin Open Sans packed with @sparticuz/chromium.
    const latinOnly = join(scratch, 'latin-only.conf');
    writeFileSync(
      latinOnly,
      `<?xml version="1.0"?>\n<fontconfig>\n  <dir>${join(dirname(npm.executablePath), 'fonts')}</dir>\n  <cachedir>${join(scratch, 'cache')}</cachedir>\n</fontconfig>\n`,
    );
    const tofu = await glyphsWith({ ...npm, env: { ...npm.env, FONTCONFIG_FILE: latinOnly } });
    expect(tofu).toMatchObject({ chars: '电费', distinct: false });
  }, 120_000);
});

describe('woffToSfnt', () => {
  it('unwraps a WOFF of @fontsource/noto-sans-sc into a TrueType file with the same tables', () => {
    const require = createRequire(import.meta.url);
    let dir = dirname(require.resolve('@fontsource/noto-sans-sc'));
    while (!readdirSync(dir).includes('files')) dir = dirname(dir);
    const file = join(dir, 'files', readdirSync(join(dir, 'files')).find((f) => f.endsWith('-400-normal.woff'))!);
    const woff = readFileSync(file);
    const sfnt = woffToSfnt(woff);
    expect(sfnt.readUInt32BE(0)).toBe(woff.readUInt32BE(4)); // flavor
    const n = sfnt.readUInt16BE(4);
    expect(n).toBe(woff.readUInt16BE(12));
    expect(sfnt.length).toBe(woff.readUInt32BE(16)); // totalSfntSize from the WOFF header
    const tags = Array.from({ length: n }, (_, i) => sfnt.toString('latin1', 12 + i * 16, 16 + i * 16));
    expect(tags).toEqual([...tags].sort());
    const head = tags.indexOf('head');
    const headOffset = sfnt.readUInt32BE(12 + head * 16 + 8);
    expect(sfnt.readUInt32BE(headOffset + 12)).toBe(0x5f0f3cf5); // the head table's magic number
    expect(() => woffToSfnt(Buffer.from('not a font'))).toThrow('not a WOFF 1.0 file');
  });
});
