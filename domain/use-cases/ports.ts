import type { Customer } from '../customers/customer-master.ts';
import type { DailyUsage } from '../usage/daily-usage.ts';
import type { StoredDay } from '../usage/meter-day.ts';
import type { Reject } from '../usage/aggregate.ts';

/** An object in the ingest bucket, identified down to its content (the ETag). */
export interface FileRef {
  bucket: string;
  key: string;
  etag: string;
  size?: number;
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
  list(): Promise<(FileOutcome & { bucket: string; etag: string; processedAt: string })[]>;
}

export interface ObjectStore {
  read(file: FileRef): Promise<AsyncIterable<Uint8Array>>;
  /** Writes a report next to the data, e.g. `rejects/<original key>.csv`. */
  writeReport(bucket: string, key: string, body: string): Promise<void>;
}

export interface CustomerRepository {
  all(): Promise<Customer[]>;
  upsert(customers: readonly Customer[]): Promise<void>;
}

export interface UsageRepository {
  /** Existing stored days for the given customer-days (to merge meters a file does not restate). */
  get(keys: readonly { customerId: string; day: string }[]): Promise<StoredDay[]>;
  /** Replaces each customer-day; `region` feeds the regional monthly totals. */
  put(days: readonly StoredDay[], regionOf: (customerId: string) => string): Promise<void>;
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
