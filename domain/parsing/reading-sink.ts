/** What a reading parser emits. Parsers are streaming: they are fed lines and call the sink per interval. */

/** A = actual, E = estimated, S = substituted (NEM12 F/S/E/V map onto these; see each parser). */
export type Quality = 'A' | 'E' | 'S';

/** 0 = active energy kWh, 1 = reactive energy kvarh. */
export type Quantity = 0 | 1;
export const KWH: Quantity = 0;
export const KVARH: Quantity = 1;

export interface ReadingSink {
  /**
   * One interval value.
   * @param customerId the customer named in the row, when the format carries one (long CSV), else undefined
   * @param startMs interval start, epoch milliseconds (UTC)
   * @param line 1-based physical line number in the decoded file
   */
  interval(
    meterId: string,
    customerId: string | undefined,
    startMs: number,
    minutes: number,
    quantity: Quantity,
    value: number,
    quality: Quality,
    line: number,
  ): void;
  /**
   * Optional bulk form of `interval` for one meter-day row: values[i] is the interval starting at
   * `midnightMs + i × minutes`; NaN = no value. Equivalent to calling `interval` for each non-NaN value.
   */
  row?(
    meterId: string,
    customerId: string | undefined,
    midnightMs: number,
    minutes: number,
    quantity: Quantity,
    values: Float64Array,
    quality: Quality,
    line: number,
  ): void;
  /**
   * Optional bulk form of `interval` for one line's values of one meter: exactly `interval(meterId, customerId,
   * firstStartMs + i × minutes, minutes, quantity, values[i], qualities[i], line)` for each i in order, skipping NaN
   * values. For parsers that emit many intervals per line (NEM12), without a call per value.
   */
  intervalSeries?(
    meterId: string,
    customerId: string | undefined,
    firstStartMs: number,
    minutes: number,
    quantity: Quantity,
    values: Float64Array,
    qualities: readonly Quality[],
    line: number,
  ): void;
  /** A row (or part of one) that cannot be used, with the reason in words. `count` = readings lost (default 1). */
  reject(line: number, reason: string, count?: number): void;
}

/** A line-at-a-time parser. `end()` flushes anything buffered (for example a NEM12 300 row waiting for its 400s). */
export interface LineParser {
  readonly format: ReadingFormat;
  line(text: string, lineNo: number): void;
  /**
   * Optional form of `line` for a UTF-8 line as `bytes[from, to)`: the same result, without decoding the rows it
   * can read in place (it decodes the others and hands them to `line`).
   */
  bytes?(bytes: Uint8Array, from: number, to: number, lineNo: number): void;
  end(): void;
  /** Which header columns the parser reads and which it ignores (wide CSV), known once the header is read. */
  readonly columns?: ColumnReport | null;
}

/**
 * How a CSV header was understood, so a utility can check a new export at a glance (`kam validate`).
 * Columns are 1-based as a spreadsheet shows them; header texts are the file's own (trimmed).
 */
export interface ColumnReport {
  /** Logical column ← header text. */
  used: { column: string; header: string; index: number }[];
  /** Non-empty header cells not read, with why when it is not simply "not needed". */
  ignored: { header: string; index: number; reason?: string }[];
  /** The interval-label interpretation, e.g. "96 intervals of 15 min, labels are interval ends 00:15…24:00 (columns 5–100)". */
  intervals: string;
}

export type ReadingFormat = 'long-csv' | 'wide-csv' | 'nem12' | 'nem13' | 'green-button';

/** Thrown for a file that cannot be read at all (no header, unknown format); carries the line. */
export class FileFormatError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.name = 'FileFormatError';
    this.line = line;
  }
}
