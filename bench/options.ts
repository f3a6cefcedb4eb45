import { SCENARIO_NAMES, type ScenarioName } from './results.js';

// Command-line options of `npm run bench`. Bad input gets a message and exit code 2, never a stack.

/** What the user asked for. */
export interface BenchOptions {
  quick: boolean;
  /** Write results (runs, medians, targets, summary) to this file. */
  json?: string;
  /** Repeats of each timed scenario (≥ 1; default 3). */
  repeats: number;
  scenarios: ScenarioName[];
  /** Write a CPU profile (node --cpu-prof) of every relay and API process into this directory. */
  profile?: string;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--repeats N] [--scenario burst,trickle,idle,slow,e2e,api,connections,storm,ingest] [--json FILE] [--profile DIR]
  --quick       smaller runs (10,000 connections, a 2,000-client storm): each scenario within a few minutes
  --repeats N   repeats of each timed scenario, targets interleaved (default 3)
  --scenario    comma-separated subset of: ${SCENARIO_NAMES.join(', ')} (default: all)
  --json FILE   also write every run, the medians, the targets and a summary as JSON
  --profile DIR write a CPU profile of every relay process, and of each api target (DIR/api-<target>/), to DIR`;

/** Parses argv (without node and script); throws an Error with a readable message on bad input. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { quick: false, repeats: 3, scenarios: [...SCENARIO_NAMES], help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const next = inline ?? argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--quick':
        options.quick = true;
        break;
      case '--json':
        options.json = value();
        break;
      case '--repeats': {
        const text = value();
        const repeats = Number(text);
        if (!Number.isInteger(repeats) || repeats < 1 || repeats > 20)
          throw new Error(`--repeats must be an integer from 1 to 20, got ${text}`);
        options.repeats = repeats;
        break;
      }
      case '--scenario':
      case '--scenarios': {
        const names = value()
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean);
        const unknown = names.filter((name) => !(SCENARIO_NAMES as readonly string[]).includes(name));
        if (unknown.length > 0 || names.length === 0)
          throw new Error(`unknown scenario ${unknown.join(', ') || '(none)'}; choose from ${SCENARIO_NAMES.join(', ')}`);
        options.scenarios = names as ScenarioName[];
        break;
      }
      case '--profile':
        options.profile = value();
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new Error(`unknown option ${arg}`);
    }
  }
  return options;
}
