import type { Customer } from '../customers/customer-master.ts';
import type { DailyUsage } from '../usage/daily-usage.ts';
import type { DayWithMeters, StoredDay } from '../usage/meter-day.ts';
import type { DayMerge } from '../usage/apply-readings.ts';
import type { Reject } from '../usage/aggregate.ts';
import type { ColumnReport } from '../parsing/reading-sink.ts';

/** An object in the ingest bucket, identified down to its content (the ETag) and, in a versioned bucket, its version. */
export interface FileRef {
  bucket: string;
  key: string;
  etag: string;
  size?: number;
  versionId?: string;
  /** From the S3 event: when S3 finished the upload (ms), and the hex sequencer that orders events of one key. */
  eventTime?: string;
  sequencer?: string;
}

export type FileStatus = 'accepted' | 'quarantined' | 'failed';

export interface FileOutcome {
  key: string;
  kind: 'customers' | 'readings' | 'payments' | 'tariffs';
  status: FileStatus;
  rows: { accepted: number; rejected: number };
  format?: string;
  encoding?: string;
  error?: string;
  rejectsKey?: string;
  customers?: number;
  days?: number;
  /** kWh of the customer-days written, by the customers' region (readings files). */
  kwhByRegion?: Record<string, number>;
  /** A file too large for one invocation: the number of chunks it was processed in (see fan-out.ts). */
  chunks?: number;
  /** Readings files: oddities that lost no data (title rows skipped, a kW curve converted, …), the first 20. */
  warnings?: { line: number; message: string }[];
  /** Wide CSV: the columns used and ignored, and how the interval labels were read. */
  columns?: ColumnReport;
}

/** Exactly-once bookkeeping of processed files. */
export interface FileLedger {
  /**
   * Claims a file for processing. `duplicate` when this exact content was processed already (nothing to do);
   * `busy` when another worker holds a live claim (retry later).
   */
  claim(file: FileRef, now: Date): Promise<'claimed' | 'duplicate' | 'busy'>;
  finish(file: FileRef, outcome: FileOutcome, now: Date): Promise<void>;
  release(file: FileRef): Promise<void>;
  /**
   * Hands a claimed file over to the fan-out (its chunk jobs are queued): no longer `processing`, so its claim does not
   * expire into a second run, and not yet finished; every later delivery of its event is a duplicate.
   */
  handOver(file: FileRef, fanOutId: string): Promise<void>;
  list(): Promise<(FileOutcome & { bucket: string; etag: string; processedAt: string })[]>;
}

/** The object a FileRef names is no longer what the key holds (overwritten or deleted since its event): nothing of it can be read. */
export class ObjectChangedError extends Error {
  override name = 'ObjectChangedError';
}

export interface StoredObject {
  body: AsyncIterable<Uint8Array>;
  /** The object's upload time (S3 LastModified). */
  lastModified?: Date;
}

export interface ObjectStore {
  /**
   * Reads exactly the object `file` names (its version, else its ETag), never whatever the key holds now; throws
   * ObjectChangedError when that object cannot be read any more.
   */
  read(file: FileRef): Promise<StoredObject>;
  /** Bytes [start, end) of exactly the object `file` names (a ranged GET), with the same guarantee as `read`. */
  readRange(file: FileRef, start: number, end: number): Promise<StoredObject>;
  /** Work in progress of a fanned-out file (`staging/…`): written whole, read whole. */
  stage(bucket: string, key: string, body: Uint8Array): Promise<void>;
  /** A staged object; throws when it does not exist. */
  readStaged(bucket: string, key: string): Promise<Uint8Array>;
  /** Writes a report next to the data, e.g. `rejects/<original key>.csv`. */
  writeReport(bucket: string, key: string, body: string): Promise<void>;
}

export interface CustomerRepository {
  all(): Promise<Customer[]>;
  upsert(customers: readonly Customer[]): Promise<void>;
}

export interface UsageRepository {
  /** Stored days with their meters, for the given customer-days (missing ones are left out). */
  get(keys: readonly { customerId: string; day: string }[]): Promise<DayWithMeters[]>;
  /**
   * Read-merge-write of customer-days, atomic per customer-day: `merge` gets the stored day (undefined when none) and
   * returns what to write, or undefined for no change. When another writer changes a day between the read and the
   * write, that day is read and merged again, so concurrent files never overwrite each other's meters or intervals.
   * Returns the days written; `regionOf` feeds the regional monthly totals.
   */
  merge<T extends { customerId: string; day: string }>(
    updates: readonly T[],
    merge: (stored: StoredDay | undefined, update: T) => DayMerge | undefined,
    regionOf: (customerId: string) => string,
  ): Promise<StoredDay[]>;
  range(customerId: string, from: string, to: string): Promise<DailyUsage[]>;
}

export interface RejectsReport {
  file: string;
  rejects: readonly Reject[];
}

export interface PaymentStore {
  /**
   * Records payments idempotently by reference: `duplicates` were recorded before with the same details (nothing
   * done), `conflicts` carry a reference already recorded with different details (rejected).
   */
  record(payments: readonly import('../payments/payment-file.ts').Payment[]): Promise<{ recorded: number; duplicates: number; conflicts: string[] }>;
  forCustomer(customerId: string): Promise<import('../payments/payment-file.ts').Payment[]>;
}
