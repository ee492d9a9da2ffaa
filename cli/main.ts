import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULTS } from '../contracts/settings.ts';
import { validateFiles } from './validate.ts';

const number = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
  return n;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Builds the `kam` program; every command prints help with --help and takes --json where it prints data. */
export function program(): Command {
  const kam = new Command('kam')
    .description('Key-account management for electricity utilities: meter-data ingestion, classification and more.\n' +
      'Commands work on the local state under .kam/ (created by `kam local`), or on a deployed stack with --stack NAME.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    // `kam --stack Kam files` and `kam files --stack Kam` alike: the program's --stack is handed to the command.
    .enablePositionalOptions()
    .option('--stack <name>', 'work on a deployed stack prefix, for every command that takes --stack (same as giving it after the command)')
    .hook('preAction', (root, command) => {
      const stack = root.getOptionValue('stack') as string | undefined;
      if (stack === undefined || command === root) return;
      const name = command.parent && command.parent !== root ? `${command.parent.name()} ${command.name()}` : command.name();
      if (!command.options.some((o) => o.long === '--stack')) command.error(`error: --stack does not apply to kam ${name}`);
      const own = command.getOptionValue('stack') as string | undefined;
      if (own !== undefined && own !== stack) command.error(`error: --stack given twice (${stack} and ${own})`);
      command.setOptionValue('stack', stack);
    });

  kam
    .command('validate')
    .description('check meter-data files before uploading them: the same parse + validate + aggregate code as the ingest Lambda, no AWS needed.\n' +
      'Exit status 1 when a file would be quarantined or cannot be read.')
    .argument('<file...>', 'reading files: long CSV, wide CSV (24/48/96 labelled interval columns, UTF-8 or GBK), NEM12/NEM13, Green Button XML; .gz and .zip accepted')
    .option('--customers <file>', 'customer master CSV; readings for meters it does not list are rejected (repeatable)', collect)
    .option('--time-zone <zone>', 'the utility\'s IANA time zone', DEFAULTS.timeZone)
    .option('--quarantine-share <share>', 'rejected-row share above which a file is quarantined', number('--quarantine-share'), DEFAULTS.quarantineShare)
    .option('--max-rejects <n>', 'rejects to list per file', number('--max-rejects'), 10)
    .option('--aliases <file>', 'JSON file of extra header aliases, e.g. {"meter_id":["计量点号"],"date":["采集日期"]}')
    .option('--apply-multiplier', 'wide CSV: multiply values by the file\'s 倍率 column (values before the multiplier)')
    .addOption(
      new Option('--frozen-reading-at <when>', 'daily frozen register exports (日冻结示值): a reading dated D was read at 00:00 starting D or at 24:00 ending it')
        .choices(['day-start', 'day-end'])
        .default('day-start'),
    )
    .option('--json', 'print one JSON document')
    .action(async (files: string[], o) => {
      process.exitCode = await validateFiles(files, {
        applyMultiplier: o.applyMultiplier === true,
        frozenReadingAt: o.frozenReadingAt,
        json: o.json,
        customers: o.customers,
        timeZone: o.timeZone,
        quarantineShare: o.quarantineShare,
        maxRejects: o.maxRejects,
        aliases: o.aliases,
      });
    });

  registerStateCommands(kam);
  return kam;
}

function registerStateCommands(kam: Command): void {
  const stack = () => new Option('--stack <name>', 'work on a deployed stack prefix (default: the local state under .kam/)');
  const json = () => new Option('--json', 'print JSON');

  kam
    .command('local')
    .description('start the embedded local AWS stack on a fresh state under .kam/, upload DIR in the order customers/, tariffs/, readings/, payments/,\n' +
      'run the same handlers as in AWS until every file is processed, run the statements of the last complete month and the daily\n' +
      'arrears scan over a simulated month, and print a summary (files, segments, regional sales, statements, notices, dashboard)')
    .option('--data <dir>', 'directory with customers/, tariffs/, readings/, payments/ subfolders', fileURLToPath(new URL('../samples', import.meta.url)))
    .option('--keep', 'leave the servers up (and print their endpoints) until Ctrl-C')
    .addOption(json())
    .action(async (o) => {
      const { runLocal } = await import('./local.ts');
      process.exitCode = await runLocal(o);
    });

  const consoleCmd = kam
    .command('console')
    .description("the account managers' web console on the local stack: UI and API on 127.0.0.1 over the state of the last `kam local`\n" +
      '(run first on the sample data when there is none), with one local user per account manager, a supervisor and an operator')
    .option('--port <port>', 'port on 127.0.0.1', number('--port'), 8787)
    .option('--data <dir>', 'data for the first `kam local` when there is no local state yet (default: the samples)')
    .action(async (o) => {
      const { runConsole } = await import('./console.ts');
      process.exitCode = await runConsole(o);
    });
  consoleCmd
    .command('token')
    .description('print an ID token of a local console user (needs a running `kam console`), e.g. for curl -H "Authorization: Bearer $(kam console token EMAIL)"')
    .argument('<email>', 'the user')
    .action(async (email: string) => {
      const { consoleToken } = await import('./console.ts');
      process.exitCode = await consoleToken(email);
    });

  kam
    .command('upload')
    .description('upload files to the ingest bucket under a prefix and wait until they are processed')
    .argument('<file...>', 'files to upload')
    .requiredOption('--prefix <prefix>', 'customers | readings | payments | tariffs')
    .addOption(stack())
    .addOption(json())
    .action(async (files: string[], o) => {
      const { upload } = await import('./state.ts');
      process.exitCode = await upload(files, o);
    });

  kam
    .command('files')
    .description('list processed files with their status and row counts, then the data anomalies for the metering team (stuck meters, zero reads, impossible spikes, estimated days)')
    .addOption(stack())
    .addOption(json())
    .action(async (o) => {
      const { files } = await import('./state.ts');
      process.exitCode = await files(o);
    });

  kam
    .command('customers')
    .description('list key accounts with their current segment')
    .option('--tier <tier>', 'A, B or C')
    .option('--pattern <pattern>', 'continuous, day-shift, evening-peak, night-shift, weekday-only or irregular')
    .option('--region <region>', 'region id')
    .addOption(stack())
    .addOption(json())
    .action(async (o) => {
      const { customers } = await import('./state.ts');
      process.exitCode = await customers(o);
    });

  kam
    .command('customer')
    .description("one customer's profile, segment with reasons and actions, segment history and recent days")
    .argument('<id>', 'customer id')
    .option('--days <n>', 'recent days to show', number('--days'), 14)
    .addOption(stack())
    .addOption(json())
    .action(async (id: string, o) => {
      const { customer } = await import('./state.ts');
      process.exitCode = await customer(id, o);
    });

  const run = kam.command('run').description('run a scheduled job now (what EventBridge Scheduler runs in AWS)');
  run
    .command('statements')
    .description('compute, store and email the monthly statements of a period (one job per customer on the statement queue), then list them')
    .option('--period <yyyy-mm>', 'billing period; default: the last complete month in the utility\'s time zone')
    .option('--customer <id>', 'only this customer (repeatable)', collect)
    .option('--dry-run', 'compute and print the statements without storing or emailing anything')
    .addOption(stack())
    .addOption(json())
    .action(async (o) => {
      const { runStatementsCommand } = await import('./statements.ts');
      process.exitCode = await runStatementsCommand(o);
    });

  run
    .command('arrears')
    .description('the daily arrears scan now: decide due notices (never skipping or repeating a stage), queue and send them')
    .option('--as-of <yyyy-mm-dd>', 'the scan day (default: today in the utility\'s time zone)')
    .addOption(stack())
    .addOption(json())
    .action(async (o) => {
      const { runArrearsCommand } = await import('./arrears.ts');
      process.exitCode = await runArrearsCommand(o);
    });

  kam
    .command('arrears')
    .description('overdue statements: outstanding amount, late charge so far, last notice stage, hold')
    .option('--stage <stage>', 'only those whose last notice is this stage (reminder, formal, final, disconnection-request, none, statement not delivered)')
    .option('--as-of <yyyy-mm-dd>', 'the day to evaluate (default: today)')
    .addOption(stack())
    .addOption(json())
    .action(async (o) => {
      const { arrearsCommand } = await import('./arrears.ts');
      process.exitCode = await arrearsCommand(o);
    });

  kam
    .command('notices')
    .description("a customer's notices as proof of notice (what, when, to whom, amounts, dates, message id) and phone-call tasks")
    .argument('<customer>', 'customer id')
    .addOption(stack())
    .addOption(json())
    .action(async (customer: string, o) => {
      const { noticesCommand } = await import('./arrears.ts');
      process.exitCode = await noticesCommand(customer, o);
    });

  kam
    .command('hold')
    .description('put a customer on hold: a dispute, or a payment plan with instalments (a missed instalment resumes escalation)')
    .argument('<customer>', 'customer id')
    .requiredOption('--reason <reason>', 'dispute | plan')
    .option('--from <yyyy-mm-dd>', 'first day on hold (default: today)')
    .option('--statement <key>', 'only this statement, e.g. 2026-10#v1 (repeatable; default: all)', collect)
    .option('--instalment <date=amount>', 'payment-plan instalment, e.g. 2026-12-15=50000 (repeatable)', collect)
    .addOption(stack())
    .action(async (customer: string, o) => {
      const { holdCommand } = await import('./arrears.ts');
      process.exitCode = await holdCommand(customer, o);
    });

  kam
    .command('release')
    .description("release a customer's holds; escalation resumes (with the minimum notice days counted from the release)")
    .argument('<customer>', 'customer id')
    .option('--on <yyyy-mm-dd>', 'release day (default: today)')
    .addOption(stack())
    .action(async (customer: string, o) => {
      const { releaseCommand } = await import('./arrears.ts');
      process.exitCode = await releaseCommand(customer, o);
    });

  kam
    .command('approve-disconnection')
    .description('record a person\'s approval of a disconnection request; the system never disconnects anything itself')
    .argument('<customer>', 'customer id')
    .requiredOption('--by <name>', 'who approves')
    .option('--statement <key>', 'the statement of the request (default: the latest request)')
    .option('--reason <text>', 'why (recorded with the approval)')
    .addOption(stack())
    .action(async (customer: string, o) => {
      const { approveCommand } = await import('./arrears.ts');
      process.exitCode = await approveCommand(customer, o);
    });

  const resolve = kam
    .command('resolve')
    .description('decide a send of unknown outcome (SES timed out or reset after the request left; it is never resent by itself):\n' +
      'check the SES sending logs, then record it as sent (--sent) or release it to be sent again (--resend)');
  const decision = (c: Command) =>
    c
      .option('--sent', 'SES accepted it: record it as sent')
      .option('--message-id <id>', 'with --sent: the SES message id, when found in the sending logs')
      .option('--resend', 'it did not go out: release it and send it again now')
      .requiredOption('--by <name>', 'who decides')
      .addOption(stack());
  decision(
    resolve
      .command('statement')
      .description('a statement email in state unknown')
      .argument('<customer>', 'customer id')
      .argument('<period>', 'billing period yyyy-mm')
      .option('--version <n>', 'the statement version (default: the latest)', number('--version')),
  ).action(async (customer: string, period: string, o) => {
    const { resolveStatementCommand } = await import('./resolve.ts');
    process.exitCode = await resolveStatementCommand(customer, period, o);
  });
  decision(
    resolve
      .command('notice')
      .description('an arrears notice in state unknown')
      .argument('<customer>', 'customer id')
      .argument('<statement>', 'statement key, e.g. 2026-10#v1')
      .argument('<stage>', 'reminder, formal, final or disconnection-request'),
  ).action(async (customer: string, statement: string, stage: string, o) => {
    const { resolveNoticeCommand } = await import('./resolve.ts');
    process.exitCode = await resolveNoticeCommand(customer, statement, stage, o);
  });

  kam
    .command('statements')
    .description("a period's statements: version, total, due date, email state and message id")
    .requiredOption('--period <yyyy-mm>', 'billing period')
    .addOption(stack())
    .addOption(json())
    .action(async (o) => {
      const { statementsCommand } = await import('./statements.ts');
      process.exitCode = await statementsCommand(o);
    });

  kam
    .command('statement')
    .description("one statement's charge lines; --html writes the email as the customer receives it")
    .argument('<customer>', 'customer id')
    .argument('<period>', 'billing period yyyy-mm')
    .option('--version <n>', 'a given version (default: the latest)', number('--version'))
    .option('--html <file>', 'write the rendered HTML email to this file')
    .addOption(stack())
    .addOption(json())
    .action(async (customer: string, period: string, o) => {
      const { statementCommand } = await import('./statements.ts');
      process.exitCode = await statementCommand(customer, period, o);
    });

  kam
    .command('advise')
    .description('tariff advice for a customer: the bill under each basic-charge mode, valley shifting and power factor, in money')
    .argument('<customer>', 'customer id')
    .option('--period <yyyy-mm>', 'the month to evaluate (default: the last complete month with usage)')
    .option('--shift <share>', 'share of peak kWh moved to valley hours', number('--shift'), 0.1)
    .addOption(stack())
    .addOption(json())
    .action(async (customer: string, o) => {
      const { adviseCommand } = await import('./statements.ts');
      process.exitCode = await adviseCommand(customer, o);
    });

  kam
    .command('dashboard')
    .description("draw the operators' dashboard (the CloudWatch dashboard's sections and widgets) from the local function logs\n" +
      'as one self-contained HTML page: EMF metrics per minute, invocations and errors per function')
    .option('--log-dir <dir>', 'function logs, <FunctionLogicalId>.log each', '.kam/logs')
    .option('--out <file>', 'the HTML file to write', '.kam/dashboard.html')
    .option('--period <seconds>', 'time-axis bucket width (widened for long time ranges)', number('--period'), 60)
    .option('--open', 'open the page in the default browser')
    .addOption(json())
    .action(async (o) => {
      const { dashboardCommand } = await import('./dashboard.ts');
      process.exitCode = await dashboardCommand(o);
    });

  kam
    .command('regions')
    .description('kWh per region per month, with the change against the month before')
    .addOption(stack())
    .addOption(json())
    .action(async (o) => {
      const { regions } = await import('./state.ts');
      process.exitCode = await regions(o);
    });
}

export async function main(argv: string[]): Promise<number> {
  const kam = program();
  try {
    await kam.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    console.error(`kam: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
