// Minimal typings for s3rver 3.x (the package ships none). Only what local/servers/s3.ts uses.
declare module 's3rver' {
  import type { EventEmitter } from 'node:events';
  import type { AddressInfo } from 'node:net';
  import type { Server } from 'node:http';

  namespace S3rver {
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    serviceEndpoint?: string;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  /** The S3-notification-shaped event s3rver emits on 'event' (keys are NOT URL-encoded). */
  interface S3rverEvent {
    Records: {
      eventVersion: string;
      eventSource: string;
      awsRegion: string;
      eventTime: string;
      eventName: string;
      requestParameters?: { sourceIPAddress?: string };
      s3: {
        bucket: { name: string };
        object: { key: string; size?: number; eTag?: string; sequencer?: string };
      };
    }[];
  }

  interface S3rverStore {
    getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
  }

  }

  class S3rver extends EventEmitter {
    constructor(options?: S3rver.S3rverOptions);
    store: S3rver.S3rverStore;
    httpServer?: Server;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    reset(): void;
  }

  export = S3rver;
}
