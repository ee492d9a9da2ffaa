// One measurement in its own process, so peak RSS belongs to it alone. Prints one JSON line.
import { createReadStream, statSync } from 'node:fs';
import { parse } from 'csv-parse';
import { checkReadings } from '../domain/use-cases/validate-readings.ts';
import { DEFAULT_CONFIG } from '../domain/config.ts';
import { ANY_METER } from '../domain/usage/aggregate.ts';

const [mode, file] = process.argv.slice(2);
if (!file || (mode !== 'kam' && mode !== 'csv-parse')) {
  console.error('usage: node bench/measure.ts kam|csv-parse FILE');
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
} else {
  const parser = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(parse({ from_line: 2 }));
  for await (const record of parser as AsyncIterable<string[]>) {
    rows++;
    readings += record.length > 7 ? record.length - 3 : 1;
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
// CPU seconds beside wall seconds: on a shared machine the wall time includes waiting for a core.
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(JSON.stringify({ mode, file, bytes, rows, readings, seconds, cpuSeconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
