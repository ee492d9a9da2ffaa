import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { FileOutcome } from '../../domain/use-cases/ports.ts';
import { metrics } from '../commons/powertools.ts';

/** A processed file's metrics, the same whether one invocation read it whole or a fan-out finished it. */
export function recordFileMetrics(f: FileOutcome): void {
  const metric = f.status === 'accepted' ? 'FilesAccepted' : f.status === 'quarantined' ? 'FilesQuarantined' : 'FilesFailed';
  metrics.addMetric(metric, MetricUnit.Count, 1);
  metrics.addMetric('RowsAccepted', MetricUnit.Count, f.rows.accepted);
  metrics.addMetric('RowsRejected', MetricUnit.Count, f.rows.rejected);
  for (const [region, kwh] of Object.entries(f.kwhByRegion ?? {})) {
    const m = metrics.singleMetric();
    m.addDimension('region', region);
    m.addMetric('KwhIngested', MetricUnit.Count, Math.round(kwh));
  }
}
