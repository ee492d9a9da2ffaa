import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../../contracts/settings.ts';
import type { Forecast } from '../../domain/forecast/forecast.ts';
import type { AnomalyEpisode, CustomerInsights } from '../../domain/insights/insights.ts';
import type { InsightStore } from '../../domain/use-cases/customer-insights.ts';
import { body, type Item, type Table } from './dynamo-table.ts';
import { customerKey } from './dynamo-usage.ts';

const { bySegment } = TABLE.indexes;
const cust = (customerId: string) => `CUST#${customerId}`;
const episodeKey = (customerId: string, key: string) => ({ pk: cust(customerId), sk: `ANOM#${key}` });
const forecastKey = (customerId: string, period: string) => ({ pk: cust(customerId), sk: `FCST#${period}` });

const conditionFailed = (err: unknown): boolean => err instanceof ConditionalCheckFailedException;

/**
 * Forecasts and anomaly episodes (issue 11):
 * - `insights` on the customer's PROFILE item: the latest forecast and the recent anomalies, written only forward
 *   (an ingest that read an earlier latest day, finishing after one that read a later one, does not undo it);
 * - ANOM#<episode key> items: one per anomaly episode, created once (a conditional put) and extended while it goes
 *   on; every episode is also on the listing index (`ANOMALIES`, sorted by first day), which is how the metering team's
 *   list of data anomalies (`kam files`) and the whole population's recent anomalies are read in one query;
 * - FCST#<month> items: the forecast of a month made before it began (the latest such; `made: 'ahead'`), and once
 *   the month is closed, its actual figures (with the retrospective forecast, `made: 'after'`, when none was made
 *   ahead).
 */
export class DynamoInsights implements InsightStore {
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
  }

  async save(customerId: string, insights: CustomerInsights): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: customerKey(customerId),
          UpdateExpression: 'SET #i = :i',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#i) OR #i.#a <= :a)',
          ExpressionAttributeNames: { '#i': 'insights', '#a': 'asOf' },
          ExpressionAttributeValues: { ':i': insights, ':a': insights.asOf },
        }),
      );
      return true;
    } catch (err) {
      if (conditionFailed(err)) return false;
      throw err;
    }
  }

  async episodes(customerId: string, sinceDay: string): Promise<AnomalyEpisode[]> {
    const items = await this.table.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      FilterExpression: '#to >= :since',
      ExpressionAttributeNames: { '#to': 'to' },
      ExpressionAttributeValues: { ':pk': cust(customerId), ':p': 'ANOM#', ':since': sinceDay },
    });
    return items.map((i) => body<AnomalyEpisode>(i));
  }

  async record(e: AnomalyEpisode): Promise<'opened' | 'extended' | 'unchanged'> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...episodeKey(e.customerId, e.episodeKey), type: 'anomaly', ...e, [bySegment.pk]: 'ANOMALIES', [bySegment.sk]: `${e.from}#${e.customerId}#${e.episodeKey}` },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'opened';
    } catch (err) {
      if (!conditionFailed(err)) throw err;
    }
    try {
      // Only forward: a detection that reaches later, or the same day with a different state, severity or figures.
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: episodeKey(e.customerId, e.episodeKey),
          UpdateExpression: 'SET #to = :to, #on = :on, #sev = :sev, #ev = :ev, #fig = :fig, #seen = :seen',
          ConditionExpression: '#to < :to OR (#to = :to AND (#on <> :on OR #sev <> :sev OR #ev <> :ev))',
          ExpressionAttributeNames: { '#to': 'to', '#on': 'ongoing', '#sev': 'severity', '#ev': 'evidence', '#fig': 'figures', '#seen': 'lastSeenAt' },
          ExpressionAttributeValues: { ':to': e.to, ':on': e.ongoing, ':sev': e.severity, ':ev': e.evidence, ':fig': e.figures, ':seen': e.lastSeenAt },
        }),
      );
      return 'extended';
    } catch (err) {
      if (conditionFailed(err)) return 'unchanged';
      throw err;
    }
  }

  async saveForecast(customerId: string, forecast: Forecast): Promise<void> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...forecastKey(customerId, forecast.period), type: 'forecast', customerId, forecast, basisTo: forecast.basis.to, made: 'ahead' },
          // A month's snapshot moves forward only, and never once the month is closed.
          ConditionExpression: 'attribute_not_exists(pk) OR (attribute_not_exists(actual) AND basisTo <= :to)',
          ExpressionAttributeValues: { ':to': forecast.basis.to },
        }),
      );
    } catch (err) {
      if (!conditionFailed(err)) throw err;
    }
  }

  async closeForecast(
    customerId: string,
    period: string,
    actual: { kwh: number; maxDemandKw: number },
    retrospective: Forecast,
  ): Promise<{ forecast: Forecast; ahead: boolean } | undefined> {
    try {
      // The snapshot made ahead when there is one; else the retrospective forecast is stored with the actuals.
      const res = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: forecastKey(customerId, period),
          UpdateExpression: 'SET actual = :a, forecast = if_not_exists(forecast, :r), made = if_not_exists(made, :after), #t = :t, customerId = :c',
          ConditionExpression: 'attribute_not_exists(actual)',
          ExpressionAttributeNames: { '#t': 'type' },
          ExpressionAttributeValues: { ':a': actual, ':r': retrospective, ':after': 'after', ':t': 'forecast', ':c': customerId },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = res.Attributes as Item | undefined;
      return item ? { forecast: item.forecast as Forecast, ahead: item.made === 'ahead' } : undefined;
    } catch (err) {
      if (conditionFailed(err)) return undefined;
      throw err;
    }
  }

  /** Recorded episodes of every customer whose first day is on or after `sinceDay`, newest first; `data` only data anomalies. */
  async recent(sinceDay: string, only?: { data?: boolean }): Promise<AnomalyEpisode[]> {
    const items = await this.table.query({
      IndexName: bySegment.name,
      KeyConditionExpression: `${bySegment.pk} = :a AND ${bySegment.sk} >= :since`,
      ExpressionAttributeValues: { ':a': 'ANOMALIES', ':since': sinceDay, ...(only?.data !== undefined ? { ':d': only.data } : {}) },
      ...(only?.data !== undefined ? { FilterExpression: '#d = :d', ExpressionAttributeNames: { '#d': 'data' } } : {}),
      ScanIndexForward: false,
    });
    return items.map((i) => body<AnomalyEpisode>(i));
  }
}
