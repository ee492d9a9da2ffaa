import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** DynamoDB calls by command, and the items they read and wrote (a Query counts the items it returned). */
export interface DynamoCounts {
  calls: Record<string, number>;
  itemsRead: number;
  itemsWritten: number;
}

type Output = { Item?: unknown; Items?: unknown[]; Count?: number; Responses?: Record<string, unknown[]> };
type Input = { RequestItems?: Record<string, unknown[]>; TransactItems?: unknown[] };

/**
 * Counts what the adapters ask of DynamoDB through one client (a middleware on its stack): `npm run bench` uses it to
 * report reads and writes per ingested file. Nothing in the functions depends on it.
 */
export function countDynamoCalls(doc: DynamoDBDocumentClient): { take(): DynamoCounts } {
  let counts: DynamoCounts = { calls: {}, itemsRead: 0, itemsWritten: 0 };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String((context as { commandName?: string }).commandName ?? 'unknown').replace(/Command$/, '');
      // A call that fails (a conditional write whose condition is false) is counted too: it costs capacity all the same.
      counts.calls[command] = (counts.calls[command] ?? 0) + 1;
      const result = await next(args);
      const input = args.input as Input;
      const output = result.output as Output;
      if (command === 'GetItem') counts.itemsRead += output.Item ? 1 : 0;
      else if (command === 'Query' || command === 'Scan') counts.itemsRead += output.Count ?? output.Items?.length ?? 0;
      else if (command === 'BatchGetItem') counts.itemsRead += Object.values(output.Responses ?? {}).reduce((n, items) => n + items.length, 0);
      else if (command === 'PutItem' || command === 'UpdateItem' || command === 'DeleteItem') counts.itemsWritten += 1;
      else if (command === 'BatchWriteItem') counts.itemsWritten += Object.values(input.RequestItems ?? {}).reduce((n, r) => n + r.length, 0);
      else if (command === 'TransactWriteItems') counts.itemsWritten += input.TransactItems?.length ?? 0;
      return result;
    },
    { step: 'initialize', name: 'kamDynamoCounter', override: true },
  );
  return {
    take() {
      const taken = counts;
      counts = { calls: {}, itemsRead: 0, itemsWritten: 0 };
      return taken;
    },
  };
}
