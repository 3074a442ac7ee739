/** `--help` text, generated from the flag tables so that it cannot drift from the parser. */
import { COMMAND_FLAGS, COMMAND_SUMMARY, COMMON_FLAGS, type CommandName, type FlagSpec } from './flags.js';

export function helpText(command: CommandName | null): string {
  if (command === null) {
    const names = Object.keys(COMMAND_SUMMARY) as CommandName[];
    return [
      'Usage: deeprnn <command> [options]',
      '',
      'Deep (stacked) RNN, GRU and LSTM language models on WebGPU and WebAssembly.',
      '',
      'Commands:',
      ...names.map((n) => `  ${n.padEnd(10)} ${COMMAND_SUMMARY[n]}`),
      '',
      "Run 'deeprnn <command> --help' for the options of a command; 'deeprnn --version' for the version.",
      EXIT_STATUS,
      '',
    ].join('\n');
  }
  const specs = [...COMMAND_FLAGS[command], ...COMMON_FLAGS];
  const required = specs.filter((s) => s.required).map(usage);
  const lines = [
    `Usage: deeprnn ${command} ${[...required, '[options]'].join(' ')}`,
    '',
    `${capitalize(COMMAND_SUMMARY[command])}.`,
  ];
  const groups = [...new Set(specs.map((s) => s.group))];
  for (const group of groups) {
    lines.push('', `${group}:`);
    for (const s of specs.filter((x) => x.group === group)) {
      lines.push(`  ${usage(s).padEnd(30)} ${describe(s)}`);
    }
  }
  lines.push('', 'Values go as --flag VALUE or --flag=VALUE.', EXIT_STATUS, '');
  return lines.join('\n');
}

const EXIT_STATUS =
  'Exit status: 0 success, 1 errors, 2 bad arguments, 130 / 143 stopped by Ctrl-C / SIGTERM (checkpoint saved).';

function usage(s: FlagSpec): string {
  if (s.type.kind === 'bool') return `--${s.flag}`;
  const metavar = s.type.kind === 'choice' ? s.type.values.join('|') : (s.metavar ?? 'VALUE');
  return `--${s.flag} ${metavar}`;
}

function describe(s: FlagSpec): string {
  const notes: string[] = [];
  if (s.required) notes.push('required');
  if (s.repeatable) notes.push('repeatable');
  if (
    !s.required &&
    s.type.kind !== 'bool' &&
    s.default !== null &&
    !(Array.isArray(s.default) && s.default.length === 0)
  ) {
    notes.push(`default ${String(s.default)}`);
  }
  return notes.length ? `${s.help} [${notes.join(', ')}]` : s.help;
}

function capitalize(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}
