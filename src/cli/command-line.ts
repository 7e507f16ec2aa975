// The command lines of samsa's Kafka tools, read the way Kafka's option
// parser (jopt-simple) reads them: long options with one or two dashes,
// unambiguous prefixes, `--name=value` or `--name value`, and the usage table
// it prints.

/** A command line Kafka would refuse: the message is printed above the usage and the command exits 1. */
export class UsageError extends Error {}

/** What is printed besides the usage when the command asks for help or gets no arguments. */
export class HelpRequested extends UsageError {}

type ArgKind = 'none' | 'required' | 'optional';

export interface OptionSpec {
  readonly name: string;
  readonly arg: ArgKind;
  /** How the argument is shown in the usage ("String: server to connect to"). */
  readonly argLabel?: string;
  /** The value must be a Java long. */
  readonly long?: boolean;
  /** jopt-simple's withValuesSeparatedBy: one argument carries several values. */
  readonly separator?: string;
  readonly doc: string;
  /** Only allowed together with one of these options (jopt-simple's availableIf). */
  readonly availableIf?: readonly string[];
}

/** The parsed command line: each option given, with the values it was given (empty for flags; null for an optional argument left out), and the order options came in. */
export class ParsedOptions {
  constructor(
    private readonly values: ReadonlyMap<string, ReadonlyArray<string | null>>,
    /** Option names in the order given, one per occurrence. */
    readonly order: readonly string[] = [],
  ) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The first value of an option (null when it has none). */
  valueOf(name: string): string | null {
    return this.values.get(name)?.[0] ?? null;
  }

  valuesOf(name: string): string[] {
    return (this.values.get(name) ?? []).filter((v): v is string => v !== null);
  }

  longValueOf(name: string): number | null {
    const v = this.valueOf(name);
    return v === null ? null : Number(v);
  }
}

/** jopt-simple prints an option set as its list of names. */
export function shown(name: string): string {
  return `[${name}]`;
}

function looksLikeOption(word: string): boolean {
  return /^--?[^-\d]/.test(word) || word === '--';
}

const JAVA_LONG = /^[-+]?\d{1,19}$/;

/** Splits the words into options and their values, as jopt-simple does. */
export function parseArgs(specs: readonly OptionSpec[], args: readonly string[]): ParsedOptions {
  const byName = new Map(specs.map((s) => [s.name, s]));
  // An exact name, or a prefix of exactly one (jopt-simple accepts abbreviations).
  const lookup = (name: string): OptionSpec | undefined => {
    const exact = byName.get(name);
    if (exact) return exact;
    const candidates = specs.filter((s) => s.name.startsWith(name));
    return candidates.length === 1 ? candidates[0] : undefined;
  };
  const values = new Map<string, Array<string | null>>();
  const order: string[] = [];
  const add = (spec: OptionSpec, value: string | null) => {
    let list = values.get(spec.name);
    if (!list) values.set(spec.name, (list = []));
    order.push(spec.name);
    if (spec.arg === 'none') return;
    if (spec.separator !== undefined && value !== null) list.push(...value.split(spec.separator));
    else list.push(value);
  };
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (!word.startsWith('-') || word === '-' || word === '--') throw new UsageError(`${word} is not a recognized option`);
    const body = word.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    const spec = lookup(name);
    if (!spec) throw new UsageError(`${name} is not a recognized option`);
    let value: string | null = null;
    if (spec.arg === 'none') {
      if (inline !== undefined) throw new UsageError(`Option ${spec.name} does not take an argument`);
    } else if (inline !== undefined) {
      value = inline;
    } else if (spec.arg === 'required') {
      if (i + 1 >= args.length) throw new UsageError(`Option ${spec.name} requires an argument`);
      value = args[++i]!;
    } else if (i + 1 < args.length && !looksLikeOption(args[i + 1]!)) {
      value = args[++i]!;
    }
    if (spec.long && value !== null && !(JAVA_LONG.test(value) && Number.isSafeInteger(Number(value)))) {
      throw new UsageError(`Cannot parse argument '${value}' of option ${spec.name}`);
    }
    if (spec.arg === 'optional' && value === '') value = null;
    add(spec, value);
  }
  const options = new ParsedOptions(values, order);
  for (const spec of specs) {
    if (spec.availableIf && options.has(spec.name) && !spec.availableIf.some((o) => options.has(o))) {
      throw new UsageError(`Option(s) ${shown(spec.name)} are unavailable given other options on the command line`);
    }
  }
  return options;
}

/** Refuses `used` together with any of `invalid` (Kafka's CommandLineUtils.checkInvalidArgs). */
export function checkInvalid(options: ParsedOptions, used: string, invalid: readonly string[]): void {
  if (!options.has(used)) return;
  for (const other of invalid) {
    if (options.has(other)) throw new UsageError(`Option "${shown(used)}" can't be used with option "${shown(other)}"`);
  }
}

/** The option table jopt-simple prints as the usage. */
export function usageTable(specs: readonly OptionSpec[]): string {
  const width = 40;
  const lines = ['Option                                  Description', '------                                  -----------'];
  for (const spec of specs) {
    let left = `--${spec.name}`;
    if (spec.arg === 'required') left += ` <${spec.argLabel}>`;
    if (spec.arg === 'optional') left += ` [${spec.argLabel}]`;
    lines.push(left.length < width ? left.padEnd(width) + spec.doc : `${left}\n${' '.repeat(width)}${spec.doc}`);
  }
  return lines.join('\n');
}
