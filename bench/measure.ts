// One measurement in its own process, so peak RSS belongs to it alone. Prints one JSON line.
import { createReadStream, statSync } from 'node:fs';
import { parse } from 'csv-parse';
import { checkReadings } from '../domain/use-cases/validate-readings.ts';
import { DEFAULT_CONFIG } from '../domain/config.ts';
import { ANY_METER } from '../domain/usage/aggregate.ts';

const [mode, file] = process.argv.slice(2);
if (!file || (mode !== 'kam' && mode !== 'csv-parse' && mode !== 'bytes')) {
  console.error('usage: node bench/measure.ts kam|csv-parse|bytes FILE');
  process.exit(2);
}
const bytes = statSync(file).size;
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
let readings = 0;
let rows = 0;
if (mode === 'kam') {
  const r = await checkReadings(file, createReadStream(file, { highWaterMark: 1 << 20 }), { directory: ANY_METER, config: DEFAULT_CONFIG });
  if (r.status !== 'accepted') throw new Error(`bench file not accepted: ${r.error}`);
  readings = r.readings;
  rows = r.rows.accepted;
} else if (mode === 'csv-parse') {
  // Fields, not readings: the report divides kam's readings of the same file by this time.
  const parser = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(parse({ relax_column_count: true }));
  for await (const record of parser as AsyncIterable<string[]>) {
    rows++;
    readings += record.length;
  }
} else {
  // The floor: read the file and count line ends and commas, nothing else.
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === 10) rows++;
      else if (c === 44) readings++;
    }
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
// CPU seconds beside wall seconds: on a shared machine the wall time includes waiting for a core.
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(JSON.stringify({ mode, file, bytes, rows, readings, seconds, cpuSeconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
