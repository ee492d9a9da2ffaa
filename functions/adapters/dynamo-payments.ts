import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Payment } from '../../domain/payments/payment-file.ts';
import type { PaymentStore } from '../../domain/use-cases/ports.ts';
import { body, type Table } from './dynamo-table.ts';

/**
 * A payment is two items written in one transaction: `PAYREF#<reference>` (the uniqueness guard) and
 * `CUST#<id> / PAY#<paid on>#<reference>` (the customer's ledger entry). A reference seen before writes nothing.
 */
export class DynamoPayments implements PaymentStore {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }

  async record(payments: readonly Payment[]) {
    let recorded = 0, duplicates = 0;
    const conflicts: string[] = [];
    for (const p of payments) {
      try {
        await this.table.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: this.table.name, Item: { pk: `PAYREF#${p.reference}`, sk: 'REF', type: 'payment-ref', payment: p }, ConditionExpression: 'attribute_not_exists(pk)' } },
              { Put: { TableName: this.table.name, Item: { pk: `CUST#${p.customerId}`, sk: `PAY#${p.paidOn}#${p.reference}`, type: 'payment', ...p } } },
            ],
          }),
        );
        recorded++;
      } catch (err) {
        if (!(err instanceof TransactionCanceledException)) throw err;
        const prior = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: { pk: `PAYREF#${p.reference}`, sk: 'REF' }, ConsistentRead: true }));
        if (prior.Item && JSON.stringify(prior.Item.payment) === JSON.stringify(p)) duplicates++;
        else if (prior.Item && sameDetails(prior.Item.payment as Payment, p)) duplicates++;
        else conflicts.push(p.reference);
      }
    }
    return { recorded, duplicates, conflicts };
  }

  async forCustomer(customerId: string): Promise<Payment[]> {
    const items = await this.table.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': `CUST#${customerId}`, ':p': 'PAY#' },
    });
    return items.map((i) => body<Payment>(i));
  }
}

function sameDetails(a: Payment, b: Payment): boolean {
  return a.reference === b.reference && a.customerId === b.customerId && a.paidOn === b.paidOn && a.amount === b.amount && a.currency === b.currency;
}
