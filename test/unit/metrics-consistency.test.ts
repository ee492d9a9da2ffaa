import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { alarmAppMetrics, dashboardAppMetrics } from '../../infra/dashboard-spec.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FUNCTIONS = join(ROOT, 'functions');

interface CallSite {
  at: string;
  argument: string;
  /** Metric names the call can emit; empty when the argument could not be read. */
  names: string[];
}

const LITERAL = /^(['"])(\w+)\1$/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** String literals an expression can evaluate to: `'A'`, `c ? 'A' : 'B'`, `x ?? 'A'` (not the ones it compares with). */
function resultLiterals(expression: string): string[] {
  const whole = LITERAL.exec(expression.trim());
  if (whole) return [whole[2]!];
  return [...expression.matchAll(/[?:]\s*(['"])(\w+)\1/g)].map((m) => m[2]!);
}

/**
 * Every `.addMetric(` call in the handlers and adapters (`metrics.addMetric`, or on a `singleMetric()`), read from the
 * source text. The name is a literal, a conditional of literals, or a `const` in the same file holding one of those.
 */
function emittedMetrics(): CallSite[] {
  const files = (readdirSync(FUNCTIONS, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
  return files.flatMap((file) => {
    const source = readFileSync(join(FUNCTIONS, file), 'utf8');
    // A queue worker's failureMetric option is emitted by the shared edge (functions/commons/handler.ts).
    const options = [...source.matchAll(/\bfailureMetric:\s*(['"])(\w+)\1/g)].map(
      (m): CallSite => ({ at: `${relative(ROOT, join(FUNCTIONS, file))}:${source.slice(0, m.index).split('\n').length}`, argument: m[0], names: [m[2]!] }),
    );
    const calls = [...source.matchAll(/\.addMetric\(\s*([^,)]+?)\s*,/g)].filter((m) => m[1] !== 'work.failureMetric');
    return [...options, ...calls.map((m): CallSite => {
      const argument = m[1]!;
      const at = `${relative(ROOT, join(FUNCTIONS, file))}:${source.slice(0, m.index).split('\n').length}`;
      let expression = argument;
      if (IDENTIFIER.test(argument)) {
        const declaration = new RegExp(`\\bconst\\s+${argument.replace(/\$/g, '\\$')}\\s*(?::[^=]+)?=\\s*([^;]+);`).exec(source);
        expression = declaration?.[1] ?? '';
      }
      return { at, argument, names: resultLiterals(expression) };
    })];
  });
}

const difference = (a: Set<string>, b: Set<string>): string[] => [...a].filter((x) => !b.has(x)).sort();

describe('metrics: dashboard-spec.ts against what the handlers emit', () => {
  const sites = emittedMetrics();
  const emitted = new Set(sites.flatMap((site) => site.names));

  it('reads the metric name of every addMetric call', () => {
    expect(sites.length).toBeGreaterThan(10);
    // Known emitters, so a regex that silently stops matching fails here rather than passing everything.
    expect([...emitted]).toEqual(expect.arrayContaining(['StatementsSent', 'NoticesSent', 'FilesAccepted', 'FilesQuarantined', 'FilesFailed', 'DemandAlertsSent']));
    const unreadable = sites.filter((site) => site.names.length === 0).map((site) => `${site.at}: addMetric(${site.argument}, ...)`);
    expect(unreadable, `metric names this test cannot read; use a literal (or a const of literals):\n${unreadable.join('\n')}`).toEqual([]);
  });

  it('every metric a widget or alarm refers to is emitted by some handler', () => {
    const referenced = new Set([...dashboardAppMetrics(), ...alarmAppMetrics()]);
    const missing = difference(referenced, emitted);
    expect(missing, `on the dashboard or alarmed on, but no handler emits (functions/**/*.ts addMetric): ${missing.join(', ')}`).toEqual([]);
  });

  it('every emitted metric is on the dashboard', () => {
    const undrawn = difference(emitted, dashboardAppMetrics());
    const where = undrawn.map((name) => `${name} (${sites.filter((s) => s.names.includes(name)).map((s) => s.at).join(', ')})`);
    expect(undrawn, `emitted but on no dashboard widget (infra/dashboard-spec.ts WIDGETS): ${where.join('; ')}`).toEqual([]);
  });
});
