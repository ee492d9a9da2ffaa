import { SaxesParser, type SaxesTagPlain } from 'saxes';
import {
  FileFormatError,
  KVARH,
  KWH,
  type LineParser,
  type Quality,
  type Quantity,
  type ReadingFormat,
  type ReadingSink,
} from './reading-sink.ts';

/**
 * Green Button (NAESB REQ.21 ESPI) XML reader: the "Download My Data" export of North American utilities and
 * meter-data systems. The file is an Atom feed (or a single Atom entry) whose entries each carry one ESPI resource
 * in `<content>`; resources refer to each other through the entries' `<link href>`s, by the REST paths
 * `…/UsagePoint/{u}/MeterReading/{m}/IntervalBlock/{b}` and `…/ReadingType/{r}`.
 *
 * Streaming: each decoded line goes to the SAX parser (saxes) as it arrives, and each IntervalReading reaches the
 * sink when its element closes, so memory stays flat whatever the file size. saxes expands no DTD entities (an
 * undeclared entity is an error), so an entity bomb cannot blow up.
 *
 * What reaches the sink:
 * - meter id = the usage point id, the path segment after `UsagePoint/` in the IntervalBlock entry's self or up
 *   link (the same id in the UsagePoint's own self link). Green Button files name no customer: the customer master
 *   maps the usage point id to its customer through `meter_ids`, as for NEM12 NMIs.
 * - the IntervalBlock's MeterReading (`…/UsagePoint/{u}/MeterReading/{m}`) gives, through its `related` link to
 *   `ReadingType/{r}`, the unit: `uom` 72 (Wh) loads as kWh, 73 (VArh) as kvarh, each value × 10^powerOfTenMultiplier
 *   / 1000. Any other unit (therm, ft³, m³, W, VA, …) and register (cumulative) or instantaneous readings are
 *   rejected reading by reading with the reason: never loaded as if they were kWh. `flowDirection` 1 (forward,
 *   delivered to the customer) or absent loads; 19 (reverse, exported) is not loaded and said once as a warning,
 *   like a NEM12 export channel; any other direction (net, total, …) is rejected with the reason.
 * - interval start = `timePeriod/start` (epoch seconds, UTC), length = `timePeriod/duration` (seconds, whole minutes
 *   dividing a day); quality from `ReadingQuality/quality` (0, 14, 17–19 actual; 7 substituted; else estimated).
 * - the line of a reading is the line of its `<IntervalReading>` tag (the aggregator counts and rejects by line).
 *
 * Order: the usual order (ReadingType and MeterReading before their IntervalBlocks, links before content) is
 * streamed as read. When an IntervalBlock comes before what it needs (its ReadingType or MeterReading further down,
 * or links after the content), its readings are held (start, minutes, raw value, quality, line) under their
 * MeterReading and sent on as soon as the missing entry arrives; what is still unresolved at the end of the file is
 * rejected with the reason. Only such out-of-order readings are held.
 *
 * Limits: a whole file on one line (minified XML) still parses, but the line-length limit applies and every
 * reading then shares one line number.
 */

const ATOM_ENTRY = 'entry';
/** ESPI resources whose content matters here; others (UsagePoint, LocalTimeParameters, UsageSummary, …) are skipped. */
type Resource = 'ReadingType' | 'MeterReading' | 'IntervalBlock' | 'other';
/** Only short texts (numbers) are read; a longer one reads as not a number instead of growing without bound. */
const MAX_TEXT = 256;
const TOO_LONG = '(text too long)';

/** UnitSymbolKind values named in reasons (IEC 61968-9 as used by ESPI). */
const UNIT_NAMES: Record<number, string> = {
  0: 'none', 5: 'A', 29: 'V', 31: 'J', 33: 'Hz', 38: 'W (power, not energy)', 42: 'm³', 61: 'VA', 63: 'VAr',
  65: 'cos φ', 71: 'VAh (apparent energy)', 106: 'Ah', 119: 'ft³', 122: 'ft³/h', 125: 'm³/h', 128: 'US gal',
  129: 'US gal/h', 130: 'imp gal', 131: 'imp gal/h', 132: 'BTU', 133: 'BTU/h', 134: 'L', 137: 'L/h', 169: 'therm',
};
const UOM_WH = 72, UOM_VARH = 73;
const FLOW_FORWARD = 1, FLOW_REVERSE = 19;
/** accumulationBehaviour values whose readings are not interval energy. */
const ACCUMULATION_NAMES: Record<number, string> = { 2: 'continuousCumulative', 3: 'cumulative', 6: 'indicating' };
/** QualityOfReading: valid, raw, validated, verified, revenue-quality are actual; manually edited is substituted. */
const ACTUAL_QUALITY = new Set([0, 14, 17, 18, 19]);
const SUBSTITUTED_QUALITY = 7;

const USAGE_POINT_LINK = /UsagePoint\/([^/?#]+)\/MeterReading\/([^/?#]+)/;
const READING_TYPE_LINK = /(?:^|\/)ReadingType\/([^/?#]+)\/?$/;

interface ReadingTypeInfo {
  uom: number;
  power: number;
  flow: number | undefined;
  accumulation: number | undefined;
  line: number;
}

/** How the readings of one MeterReading are loaded, or why not. */
type Resolution =
  | { kind: 'load'; meterId: string; quantity: Quantity; exponent: number }
  | { kind: 'reject'; reason: string }
  | { kind: 'skip' };

/** One IntervalReading held until its MeterReading or ReadingType is known. */
interface Held {
  startMs: number;
  minutes: number;
  value: number;
  quality: Quality;
  line: number;
}

export interface GreenButtonListener {
  warning?(line: number, message: string): void;
}

/** The current entry while it is being read. */
interface Entry {
  line: number;
  links: { rel: string; href: string }[];
  resource: Resource | undefined;
  /** MeterReading key `{usage point id}/{meter reading id}`, from the first link that names them. */
  mrKey: string | undefined;
  readingType: Partial<Record<'uom' | 'powerOfTenMultiplier' | 'flowDirection' | 'accumulationBehaviour', string>>;
  /** IntervalReadings read before the entry's links said whose they are. */
  held: Held[];
}

/** The IntervalReading being read. */
interface Reading {
  line: number;
  start: string | undefined;
  duration: string | undefined;
  value: string | undefined;
  qualities: string[];
}

export class GreenButtonParser implements LineParser {
  readonly format: ReadingFormat = 'green-button';
  private readonly sink: ReadingSink;
  private readonly listener: GreenButtonListener | undefined;
  private readonly sax: SaxesParser<{ xmlns: false; position: false }>;
  private lineNo = 0;
  /** Local names of the open elements (namespace prefixes dropped: files use `espi:` or a default namespace). */
  private readonly stack: string[] = [];
  private text = '';
  private entry: Entry | undefined;
  private reading: Reading | undefined;
  private readonly readingTypes = new Map<string, ReadingTypeInfo>();
  /** MeterReading key → ReadingType id, from the MeterReading entries' related links. */
  private readonly meterReadings = new Map<string, string>();
  private readonly resolutions = new Map<string, Resolution>();
  /** Readings waiting for their MeterReading or ReadingType, by MeterReading key. */
  private readonly waiting = new Map<string, Held[]>();
  private readonly warned = new Set<string>();

  /** A Green Button file starts with the XML declaration or the Atom root. */
  static looksLike(firstLine: string): boolean {
    return /^\uFEFF?\s*<(?:\?xml\b|(?:[\w.-]+:)?(?:feed|entry)\b)/.test(firstLine);
  }

  constructor(options: { sink: ReadingSink; listener?: GreenButtonListener }) {
    this.sink = options.sink;
    this.listener = options.listener;
    this.sax = new SaxesParser({ xmlns: false, position: false });
    this.sax.on('error', (err) => {
      throw new FileFormatError(`XML is not well-formed: ${err.message}`, this.lineNo);
    });
    this.sax.on('opentag', (tag) => this.open(tag));
    this.sax.on('closetag', () => this.close());
    this.sax.on('text', (t) => void (this.text = this.text.length + t.length <= MAX_TEXT ? this.text + t : TOO_LONG));
  }

  line(text: string, lineNo: number): void {
    this.lineNo = lineNo;
    this.sax.write(text);
    this.sax.write('\n');
  }

  end(): void {
    this.sax.close();
    // Whatever is still held has no MeterReading or ReadingType anywhere in the file.
    for (const [key, held] of this.waiting) {
      const reason = this.meterReadings.has(key)
        ? `ReadingType ${this.meterReadings.get(key)} of MeterReading ${key} is not in the file: unit unknown`
        : `MeterReading ${key} is not in the file: its ReadingType (unit) is unknown`;
      for (const h of held) this.sink.reject(h.line, reason);
    }
    this.waiting.clear();
  }

  private open(tag: SaxesTagPlain): void {
    const name = localName(tag.name);
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined && name !== 'feed' && name !== ATOM_ENTRY) {
      throw new FileFormatError(`XML root element <${tag.name}> is not an Atom <feed> or <entry>: not a Green Button file`, this.lineNo);
    }
    this.stack.push(name);
    this.text = '';
    if (name === ATOM_ENTRY) {
      this.entry = { line: this.lineNo, links: [], resource: undefined, mrKey: undefined, readingType: {}, held: [] };
      return;
    }
    const entry = this.entry;
    if (entry === undefined) return;
    if (name === 'link' && parent === ATOM_ENTRY) {
      const href = attr(tag, 'href');
      entry.links.push({ rel: attr(tag, 'rel') || 'alternate', href });
      entry.mrKey ??= keyOf(href);
    } else if (parent === 'content' && entry.resource === undefined) {
      entry.resource = name === 'ReadingType' || name === 'MeterReading' || name === 'IntervalBlock' ? name : 'other';
    } else if (name === 'IntervalReading' && entry.resource === 'IntervalBlock') {
      this.reading = { line: this.lineNo, start: undefined, duration: undefined, value: undefined, qualities: [] };
    }
  }

  private close(): void {
    const name = this.stack.pop()!;
    const parent = this.stack[this.stack.length - 1];
    const text = this.text.trim();
    this.text = '';
    const entry = this.entry;
    if (entry === undefined) return;
    if (name === ATOM_ENTRY) {
      this.entry = undefined;
      this.closeEntry(entry);
      return;
    }
    const reading = this.reading;
    if (reading !== undefined) {
      if (name === 'IntervalReading') {
        this.reading = undefined;
        this.readingDone(entry, reading);
      } else if (parent === 'timePeriod' && name === 'start') reading.start = text;
      else if (parent === 'timePeriod' && name === 'duration') reading.duration = text;
      else if (parent === 'IntervalReading' && name === 'value') reading.value = text;
      else if (parent === 'ReadingQuality' && name === 'quality') reading.qualities.push(text);
      return;
    }
    if (entry.resource === 'ReadingType' && parent === 'ReadingType') {
      if (name === 'uom' || name === 'powerOfTenMultiplier' || name === 'flowDirection' || name === 'accumulationBehaviour') {
        entry.readingType[name] = text;
      }
    }
  }

  /** One IntervalReading read: checked, then sent on, held for its entry's links, or held for its MeterReading. */
  private readingDone(entry: Entry, r: Reading): void {
    const start = num(r.start), duration = num(r.duration), value = num(r.value);
    if (r.start === undefined || r.duration === undefined) return this.sink.reject(r.line, 'IntervalReading without timePeriod start and duration');
    if (!Number.isInteger(start)) return this.sink.reject(r.line, `timePeriod start "${r.start}" is not whole epoch seconds`);
    if (!(duration > 0 && duration % 60 === 0 && 1440 % (duration / 60) === 0)) {
      return this.sink.reject(r.line, `timePeriod duration "${r.duration}" is not a whole number of minutes dividing a day (900, 1800, 3600 …)`);
    }
    if (r.value === undefined || !Number.isFinite(value)) return this.sink.reject(r.line, `IntervalReading value "${r.value ?? ''}" is not a number`);
    const held: Held = { startMs: start * 1000, minutes: duration / 60, value, quality: quality(r.qualities), line: r.line };
    if (entry.mrKey === undefined) {
      entry.held.push(held);
      return;
    }
    const resolution = this.resolution(entry.mrKey);
    if (resolution === undefined) this.hold(entry.mrKey, held);
    else this.emit(resolution, held);
  }

  private closeEntry(entry: Entry): void {
    switch (entry.resource) {
      case 'ReadingType': {
        const id = entry.links.map((l) => (l.rel === 'self' ? READING_TYPE_LINK.exec(l.href)?.[1] : undefined)).find((x) => x !== undefined);
        if (id === undefined) {
          this.warn(entry.line, 'ReadingType entry without a self link …/ReadingType/{id}: no MeterReading can refer to it');
          return;
        }
        const rt = entry.readingType;
        this.readingTypes.set(id, {
          uom: num(rt.uom),
          power: rt.powerOfTenMultiplier === undefined ? 0 : num(rt.powerOfTenMultiplier),
          flow: rt.flowDirection === undefined ? undefined : num(rt.flowDirection),
          accumulation: rt.accumulationBehaviour === undefined ? undefined : num(rt.accumulationBehaviour),
          line: entry.line,
        });
        for (const [key, rtId] of this.meterReadings) if (rtId === id) this.release(key);
        return;
      }
      case 'MeterReading': {
        const self = entry.links.find((l) => l.rel === 'self' && USAGE_POINT_LINK.test(l.href));
        const key = self ? keyOf(self.href) : entry.mrKey;
        const rt = entry.links.map((l) => (l.rel === 'related' ? READING_TYPE_LINK.exec(l.href)?.[1] : undefined)).find((x) => x !== undefined);
        if (key === undefined) {
          this.warn(entry.line, 'MeterReading entry without a link …/UsagePoint/{id}/MeterReading/{id}: its IntervalBlocks cannot be matched to it');
          return;
        }
        if (rt === undefined) {
          this.warn(entry.line, `MeterReading ${key} has no related link to its ReadingType: its readings have no unit`);
          return;
        }
        this.meterReadings.set(key, rt);
        this.release(key);
        return;
      }
      case 'IntervalBlock': {
        if (entry.held.length === 0) return;
        if (entry.mrKey === undefined) {
          for (const h of entry.held) {
            this.sink.reject(h.line, 'IntervalBlock entry without a link …/UsagePoint/{id}/MeterReading/{id}/IntervalBlock: meter and unit unknown');
          }
          return;
        }
        const resolution = this.resolution(entry.mrKey);
        for (const h of entry.held) {
          if (resolution === undefined) this.hold(entry.mrKey, h);
          else this.emit(resolution, h);
        }
        return;
      }
      default:
        return;
    }
  }

  /** How a MeterReading's readings load, once its ReadingType is known; undefined while it is not. */
  private resolution(key: string): Resolution | undefined {
    const known = this.resolutions.get(key);
    if (known !== undefined) return known;
    const rtId = this.meterReadings.get(key);
    const rt = rtId === undefined ? undefined : this.readingTypes.get(rtId);
    if (rt === undefined) return undefined;
    const resolution = resolve(key, rtId!, rt);
    if (resolution.kind === 'skip') {
      this.warn(rt.line, `MeterReading ${key}: ReadingType ${rtId} has flowDirection 19 (reverse, energy exported by the customer); not loaded`);
    }
    this.resolutions.set(key, resolution);
    return resolution;
  }

  private hold(key: string, h: Held): void {
    let list = this.waiting.get(key);
    if (list === undefined) this.waiting.set(key, (list = []));
    list.push(h);
  }

  /** Sends on the readings held for a MeterReading whose ReadingType has become known. */
  private release(key: string): void {
    const list = this.waiting.get(key);
    if (list === undefined) return;
    const resolution = this.resolution(key);
    if (resolution === undefined) return;
    this.waiting.delete(key);
    for (const h of list) this.emit(resolution, h);
  }

  private emit(resolution: Resolution, h: Held): void {
    if (resolution.kind === 'load') {
      this.sink.interval(resolution.meterId, undefined, h.startMs, h.minutes, resolution.quantity, scale(h.value, resolution.exponent), h.quality, h.line);
    } else if (resolution.kind === 'reject') this.sink.reject(h.line, resolution.reason);
  }

  private warn(line: number, message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.listener?.warning?.(line, message);
  }
}

/** Decides from the ReadingType how a MeterReading's values load. */
function resolve(key: string, rtId: string, rt: ReadingTypeInfo): Resolution {
  const meterId = key.slice(0, key.indexOf('/'));
  const what = `ReadingType ${rtId} (MeterReading ${key})`;
  if (rt.uom !== UOM_WH && rt.uom !== UOM_VARH) {
    const unit = Number.isNaN(rt.uom) ? 'no uom' : `unit ${UNIT_NAMES[rt.uom] ?? 'code'} (uom ${rt.uom})`;
    return { kind: 'reject', reason: `${what}: ${unit} is not electrical energy; only Wh (72) and VArh (73) are loaded` };
  }
  if (!Number.isInteger(rt.power) || Math.abs(rt.power) > 12) {
    return { kind: 'reject', reason: `${what}: powerOfTenMultiplier is not a small whole number` };
  }
  if (rt.accumulation !== undefined && ACCUMULATION_NAMES[rt.accumulation] !== undefined) {
    return {
      kind: 'reject',
      reason: `${what}: accumulationBehaviour ${rt.accumulation} (${ACCUMULATION_NAMES[rt.accumulation]}) values are register readings, not interval energy`,
    };
  }
  if (rt.flow === FLOW_REVERSE) return { kind: 'skip' };
  if (rt.flow !== undefined && rt.flow !== FLOW_FORWARD && rt.flow !== 0) {
    return { kind: 'reject', reason: `${what}: flowDirection ${rt.flow} is neither forward (1, delivered) nor reverse (19); not loaded` };
  }
  return { kind: 'load', meterId, quantity: rt.uom === UOM_WH ? KWH : KVARH, exponent: rt.power - 3 };
}

/** value × 10^exponent, dividing by an exact power of ten for negative exponents (320 Wh → 0.32 kWh exactly). */
function scale(value: number, exponent: number): number {
  return exponent >= 0 ? value * 10 ** exponent : value / 10 ** -exponent;
}

/** The worst quality of a reading's ReadingQuality codes; none means valid. */
function quality(codes: string[]): Quality {
  let q: Quality = 'A';
  for (const c of codes) {
    const n = Number(c);
    if (ACTUAL_QUALITY.has(n)) continue;
    if (n === SUBSTITUTED_QUALITY) q = q === 'E' ? 'E' : 'S';
    else q = 'E';
  }
  return q;
}

function keyOf(href: string): string | undefined {
  const m = USAGE_POINT_LINK.exec(href);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

function num(s: string | undefined): number {
  return s === undefined || s === '' ? NaN : Number(s);
}

function localName(qname: string): string {
  const i = qname.indexOf(':');
  return i < 0 ? qname : qname.slice(i + 1);
}

function attr(tag: SaxesTagPlain, name: string): string {
  const v = tag.attributes[name];
  return typeof v === 'string' ? v : '';
}
