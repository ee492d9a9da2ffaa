import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Which Chromium the browser tests run, so that `npm test` passes on a machine with only Node and a JDK.
 *
 * - Debian's `chromium` (/usr/bin/chromium, or CHROMIUM_PATH) when it is installed;
 * - else the Chromium that the npm package @sparticuz/chromium ships inside itself (brotli-packed, no download at
 *   run time: it is unpacked from node_modules into the temporary directory once per version);
 * - `KAM_CHROMIUM=npm` forces the npm one (and npm fonts only), `KAM_CHROMIUM=debian` forces Debian's.
 *
 * Fonts: the system's when it has one with Chinese glyphs (Debian's fonts-noto-cjk); else, and always with
 * KAM_CHROMIUM=npm, Noto Sans SC from the npm package @fontsource/noto-sans-sc, whose WOFF files are unpacked to
 * TrueType and handed to Chromium through a fontconfig file (FONTCONFIG_FILE) that lists only them, so the zh-CN
 * screenshots show Chinese whatever the machine has.
 */

export interface ChromiumChoice {
  source: 'debian' | 'npm';
  executablePath: string;
  /** Flags for `chromium.launch`. */
  args: string[];
  /** Extra environment for the browser process (fontconfig file, library path). */
  env: Record<string, string>;
  fonts: 'system' | 'npm';
}

const DEBIAN_CHROMIUM = '/usr/bin/chromium';
/** No GPU (Debian's), no sandbox (root in CI), and nothing that would reach the network on its own. */
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-pings', '--disable-domain-reliability',
];
/**
 * The packed Chromium (chrome-headless-shell built for serverless) runs without a zygote and draws with the
 * SwiftShader libraries packed beside it, as its package does: with `--disable-gpu` instead, about one full-page
 * screenshot in twenty failed ("Unable to capture screenshot") with three browsers at once on two cores; with
 * SwiftShader none of 216 did.
 */
const NPM_ARGS = ['--no-zygote', '--font-render-hinting=none', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--in-process-gpu'];

const require = createRequire(import.meta.url);

/** Picks the browser and fonts; unpacks the npm Chromium or fonts on first use. `force` defaults to KAM_CHROMIUM. */
export function findChromium(force: string | undefined = process.env.KAM_CHROMIUM): ChromiumChoice {
  const forced = force === '' ? undefined : force;
  if (forced !== undefined && forced !== 'npm' && forced !== 'debian') {
    throw new Error(`KAM_CHROMIUM=${forced}: expected npm or debian`);
  }
  const systemPath = process.env.CHROMIUM_PATH ?? DEBIAN_CHROMIUM;
  if (forced === 'debian' && !existsSync(systemPath)) {
    throw new Error(`KAM_CHROMIUM=debian but no Chromium at ${systemPath} (Debian: apt-get install -y chromium)`);
  }
  const source = forced ?? (existsSync(systemPath) ? 'debian' : 'npm');
  const fonts = forced === 'npm' || !systemHasCjkFont() ? 'npm' : 'system';
  const env: Record<string, string> = fonts === 'npm' ? { FONTCONFIG_FILE: npmFontConfig() } : {};
  if (source === 'debian') return { source, executablePath: systemPath, args: ARGS, env, fonts };
  const packed = unpackNpmChromium();
  if (packed.libraryPath) env.LD_LIBRARY_PATH = [packed.libraryPath, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { source, executablePath: packed.executable, args: [...ARGS.filter((a) => a !== '--disable-gpu'), ...NPM_ARGS], env, fonts };
}

/** Launches the chosen Chromium with its flags and environment. */
export async function launchChromium(choice: ChromiumChoice = findChromium(), timeout = 30_000): Promise<Browser> {
  return chromium.launch({ executablePath: choice.executablePath, args: choice.args, env: { ...process.env, ...choice.env }, timeout });
}

function systemHasCjkFont(): boolean {
  try {
    return execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
  } catch {
    return false; // no fontconfig tools: no system fonts to count on
  }
}

/** A directory of the temporary dir, built once into a staging directory and renamed into place (safe across workers). */
function cached(name: string, build: (staging: string, final: string) => void): string {
  const dir = join(tmpdir(), name);
  if (existsSync(dir)) return dir;
  const staging = `${dir}.${process.pid}.${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  try {
    build(staging, dir);
    renameSync(staging, dir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(dir)) throw err; // another worker finished first otherwise
  }
  return dir;
}

function packageDir(name: string): string {
  // Both packages' exports map only their entry point: walk up from it to the package.json.
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

function packageVersion(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Unpacks @sparticuz/chromium's binary, its SwiftShader libraries and its Amazon Linux libraries (NSS, expat) from
 * node_modules with the package's own code, in a child process whose temporary directory is our staging directory
 * (the package unpacks into `os.tmpdir()`). Nothing is downloaded: `executablePath()` without a URL only reads the
 * package's `bin/`.
 */
function unpackNpmChromium(): { executable: string; libraryPath: string | undefined } {
  const pkg = packageDir('@sparticuz/chromium');
  const dir = cached(`kam-chromium-${packageVersion(pkg)}`, (staging) => {
    // The package downloads only when given a URL; any attempt to reach the network would fail here, loudly.
    const script =
      `globalThis.fetch = () => { throw new Error('@sparticuz/chromium tried to download something'); };` +
      `const { default: C, inflate } = await import(${JSON.stringify(require.resolve('@sparticuz/chromium'))});` +
      `await C.executablePath(${JSON.stringify(join(pkg, 'bin'))});` +
      `await inflate(${JSON.stringify(join(pkg, 'bin', 'al2023.tar.br'))});`;
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TMPDIR: staging }, stdio: 'inherit' });
    if (!existsSync(join(staging, 'chromium'))) throw new Error(`@sparticuz/chromium did not unpack a chromium binary into ${staging}`);
  });
  const executable = join(dir, 'chromium');
  // Debian with a JDK has NSS and expat; a machine without them gets the packed ones.
  let missing = false;
  try {
    missing = /not found/.test(execFileSync('ldd', [executable], { encoding: 'utf8' }));
  } catch {
    missing = true;
  }
  return { executable, libraryPath: missing ? join(dir, 'al2023', 'lib') : undefined };
}

/** Noto Sans SC (regular and bold) as TrueType files plus a fontconfig file that lists only them. */
function npmFontConfig(): string {
  const pkg = packageDir('@fontsource/noto-sans-sc');
  const dir = cached(`kam-fonts-noto-sans-sc-${packageVersion(pkg)}`, (staging, final) => {
    const files = join(pkg, 'files');
    const ttf = join(staging, 'ttf');
    mkdirSync(ttf);
    let n = 0;
    for (const f of readdirSync(files)) {
      if (!/-(400|700)-normal\.woff$/.test(f)) continue;
      writeFileSync(join(ttf, f.replace(/\.woff$/, '.ttf')), woffToSfnt(readFileSync(join(files, f))));
      n++;
    }
    if (n === 0) throw new Error(`no WOFF files in ${files}`);
    writeFileSync(
      join(staging, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n` +
        `  <dir>${join(final, 'ttf')}</dir>\n  <cachedir>${join(final, 'cache')}</cachedir>\n` +
        ['sans-serif', 'serif', 'monospace'].map((g) => `  <alias><family>${g}</family><prefer><family>Noto Sans SC</family></prefer></alias>\n`).join('') +
        `</fontconfig>\n`,
    );
  });
  return join(dir, 'fonts.conf');
}

/**
 * WOFF 1.0 → the SFNT (TrueType/OpenType) font it wraps: the same tables, each inflated when stored compressed,
 * laid out 4-byte aligned behind a plain table directory (W3C WOFF 1.0, sections 3–5).
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.toString('latin1', 0, 4) !== 'wOFF') throw new Error('not a WOFF 1.0 file');
  const flavor = woff.readUInt32BE(4);
  const numTables = woff.readUInt16BE(12);
  const tables: { tag: number; checksum: number; data: Buffer }[] = [];
  for (let i = 0; i < numTables; i++) {
    const e = 44 + i * 20;
    const offset = woff.readUInt32BE(e + 4), compLength = woff.readUInt32BE(e + 8), origLength = woff.readUInt32BE(e + 12);
    const raw = woff.subarray(offset, offset + compLength);
    const data = compLength < origLength ? inflateSync(raw) : raw;
    if (data.length !== origLength) throw new Error(`WOFF table ${i}: ${data.length} bytes, expected ${origLength}`);
    tables.push({ tag: woff.readUInt32BE(e), checksum: woff.readUInt32BE(e + 16), data });
  }
  let entrySelector = 0;
  while (2 ** (entrySelector + 1) <= numTables) entrySelector++;
  const searchRange = 2 ** entrySelector * 16;
  const head = Buffer.alloc(12 + numTables * 16);
  head.writeUInt32BE(flavor, 0);
  head.writeUInt16BE(numTables, 4);
  head.writeUInt16BE(searchRange, 6);
  head.writeUInt16BE(entrySelector, 8);
  head.writeUInt16BE(numTables * 16 - searchRange, 10);
  const parts: Buffer[] = [head];
  let offset = head.length;
  tables.forEach((t, i) => {
    const r = 12 + i * 16;
    head.writeUInt32BE(t.tag, r);
    head.writeUInt32BE(t.checksum, r + 4);
    head.writeUInt32BE(offset, r + 8);
    head.writeUInt32BE(t.data.length, r + 12);
    const padded = Buffer.alloc((t.data.length + 3) & ~3);
    t.data.copy(padded);
    parts.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(parts);
}

/** What `cjkGlyphs` saw. */
export interface CjkCheck {
  /** The two different Chinese characters compared (empty when the page has none). */
  chars: string;
  font: string;
  /** The two draw different pixels: real glyphs. Missing glyphs all draw the same box (tofu). */
  distinct: boolean;
  /** Pixels drawn for the first character. */
  ink: number;
}

// In-page code as a string: it runs as written, whatever the test transform does to function names.
const CJK_CHECK = `(() => {
  const cjk = /[\u3400-\u9fff]/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const chars = [...new Set(n.textContent.match(cjk) || [])];
    if (chars.length < 2) continue;
    const s = getComputedStyle(n.parentElement);
    const font = s.fontStyle + ' ' + s.fontWeight + ' 48px ' + s.fontFamily;
    const draw = (ch) => {
      const c = document.createElement('canvas');
      c.width = 64; c.height = 64;
      const x = c.getContext('2d');
      x.font = font;
      x.fillText(ch, 4, 52);
      return x.getImageData(0, 0, 64, 64).data;
    };
    const a = draw(chars[0]), b = draw(chars[1]);
    let distinct = false, ink = 0;
    for (let i = 3; i < a.length; i += 4) {
      if (a[i] !== b[i]) distinct = true;
      if (a[i] > 0) ink++;
    }
    return { chars: chars[0] + chars[1], font, distinct, ink };
  }
  return { chars: '', font: '', distinct: false, ink: 0 };
})()`;

/**
 * Whether the page shows Chinese as glyphs rather than tofu: two different Chinese characters of its first text
 * with two of them, drawn on a canvas in that text's font, must differ (tofu boxes are all alike) and leave ink.
 */
export async function cjkGlyphs(page: Page): Promise<CjkCheck> {
  return (await page.evaluate(CJK_CHECK)) as CjkCheck;
}
