import type { Logger } from '@aws-lambda-powertools/logger';
import type { Clients } from '../commons/clients.ts';
import type { FunctionConfig } from '../commons/config.ts';
import type { IngestPorts } from '../../domain/use-cases/ingest-file.ts';
import { classifyCustomers } from '../../domain/use-cases/classify-customers.ts';
import { Table } from './dynamo-table.ts';
import { DynamoFileLedger } from './dynamo-file-ledger.ts';
import { DynamoCustomers, DynamoUsage } from './dynamo-usage.ts';
import { DynamoSegments } from './dynamo-segments.ts';
import { S3ObjectStore } from './s3-object-store.ts';

/** The AWS implementations of the domain's ports, wired once per process. */
export function stores(clients: Clients, tableName: string) {
  const table = new Table(clients.doc, tableName);
  const customers = new DynamoCustomers(table);
  return {
    table,
    files: new DynamoFileLedger(table),
    customers,
    usage: new DynamoUsage(table),
    segments: new DynamoSegments(table, customers),
    objects: new S3ObjectStore(clients.s3),
  };
}

export function ingestPorts(clients: Clients, config: FunctionConfig, logger?: Logger): IngestPorts {
  const s = stores(clients, config.tableName);
  const classify = classifyCustomers({ customers: s.customers, usage: s.usage, segments: s.segments }, config.domain);
  return {
    files: s.files,
    objects: s.objects,
    customers: s.customers,
    usage: s.usage,
    classify: async (touched) => {
      const r = await classify(touched);
      logger?.info('customers classified', { asOf: r.asOf, classified: r.classified, moved: r.moved.length });
    },
    clock: () => new Date(),
  };
}
