// The command lines of samsa's Kafka tools, read the way Kafka's option
// parser (jopt-simple) reads them: options by name or unambiguous prefix,
// `--name value` or `--name=value`, typed arguments, and the usage table it
// prints. Each tool declares its options as OptionSpecs and makes its own
// checks on the parsed result, as Kafka's *CommandOptions classes do.
import { readFileSync } from 'node:fs';
import { parseProperties } from '../broker/broker-config.js';

/** A command line Kafka would refuse: the message is printed above the usage and the command exits 1. */
export class UsageError extends Error {}

/** Help asked for (or no arguments at all): the message and the usage are printed, and (as Kafka 3.x's tools) the command exits 1. */
export class HelpRequested extends UsageError {}

type ArgKind = 'none' | 'required' | 'optional';

export interface OptionSpec {
  readonly name: string;
  readonly arg: ArgKind;
  /** How the argument is shown in the usage ("String: server to connect to"). */
  readonly argLabel?: string;
  /** The value must be a Java long (`long`) or int (`int`), or a Java double. */
  readonly type?: 'long' | 'int' | 'double';
  /** jopt-simple's withValuesSeparatedBy: one argument carries several values. */
  readonly separator?: string;
  readonly doc: string;
  /** Only allowed together with one of these options (jopt-simple's availableIf). */
  readonly availableIf?: readonly string[];
}

/** The parsed command line: each option given, with the values it was given (empty for flags; null for an optional argument left out). */
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

  /** A numeric option's value (checked by the parser against its type). */
  longValueOf(name: string): number | null {
    const v = this.valueOf(name);
    return v === null ? null : Number(v);
  }

  /** How many of these options were given. */
  countOf(names: readonly string[]): number {
    return names.filter((n) => this.has(n)).length;
  }
}

/** jopt-simple prints an option set as its list of names. */
export function shown(name: string): string {
  return `[${name}]`;
}

const JAVA_LONG = /^[-+]?\d{1,19}$/;
const JAVA_INT_MAX = 2 ** 31 - 1;

function typeMatches(type: OptionSpec['type'], value: string): boolean {
  if (type === 'double') return value.trim() !== '' && Number.isFinite(Number(value));
  if (!JAVA_LONG.test(value) || !Number.isSafeInteger(Number(value))) return false;
  return type !== 'int' || Math.abs(Number(value)) <= JAVA_INT_MAX;
}

function looksLikeOption(word: string): boolean {
  return /^--?[^-\d]/.test(word) || word === '--';
}

/** Where a command writes: stdout and stderr, or a test's buffers. */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

export const stdio: CommandOutput = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** One tool's options: parses its command lines and prints its usage table. */
export class OptionParser {
  private readonly byName: Map<string, OptionSpec>;

  constructor(readonly specs: readonly OptionSpec[]) {
    this.byName = new Map(specs.map((s) => [s.name, s]));
  }

  /** The option a command-line word names: an exact name, or a prefix of exactly one (jopt-simple accepts abbreviations). */
  private lookup(name: string): OptionSpec | undefined {
    const exact = this.byName.get(name);
    if (exact) return exact;
    const candidates = this.specs.filter((s) => s.name.startsWith(name));
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  /** Splits the words into options and their values, as jopt-simple does. */
  parse(args: readonly string[]): ParsedOptions {
    const values = new Map<string, Array<string | null>>();
    const order: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const word = args[i]!;
      if (!word.startsWith('-') || word === '-' || word === '--') throw new UsageError(`${word} is not a recognized option`);
      const body = word.replace(/^--?/, '');
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
      const spec = this.lookup(name);
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
      if (spec.type && value !== null && !typeMatches(spec.type, value)) throw new UsageError(`Cannot parse argument '${value}' of option ${spec.name}`);
      if (spec.arg === 'optional' && value === '') value = null;
      let list = values.get(spec.name);
      if (!list) values.set(spec.name, (list = []));
      order.push(spec.name);
      if (spec.arg === 'none') continue;
      if (spec.separator !== undefined && value !== null) list.push(...value.split(spec.separator));
      else list.push(value);
    }
    const options = new ParsedOptions(values, order);
    for (const spec of this.specs) {
      if (spec.availableIf && options.has(spec.name) && !spec.availableIf.some((o) => options.has(o))) {
        throw new UsageError(`Option(s) ${shown(spec.name)} are unavailable given other options on the command line`);
      }
    }
    return options;
  }

  /** The option table jopt-simple prints as the usage. */
  usage(): string {
    const width = 40;
    const lines = ['Option                                  Description', '------                                  -----------'];
    for (const spec of [...this.specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      let left = `--${spec.name}`;
      if (spec.arg === 'required') left += ` <${spec.argLabel}>`;
      if (spec.arg === 'optional') left += ` [${spec.argLabel}]`;
      lines.push(left.length < width ? left.padEnd(width) + spec.doc : `${left}\n${' '.repeat(width)}${spec.doc}`);
    }
    return lines.join('\n');
  }
}

/** Kafka's CommandLineUtils.checkInvalidArgs: `used` may not appear with any of `invalid`. */
export function checkInvalid(options: ParsedOptions, used: string, invalid: readonly string[]): void {
  if (!options.has(used)) return;
  for (const other of invalid) {
    if (options.has(other)) throw new UsageError(`Option "${shown(used)}" can't be used with option "${shown(other)}"`);
  }
}

/** Kafka's CommandLineUtils.checkRequiredArgs. */
export function checkRequired(options: ParsedOptions, ...required: string[]): void {
  for (const name of required) if (!options.has(name)) throw new UsageError(`Missing required argument "${shown(name)}"`);
}

/** A --command-config (or --producer.config / --consumer.config) properties file, as client settings. */
export function readCommandConfig(path: string | undefined | null): Record<string, string> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the command config ${path}: ${(e as Error).message}`);
  }
  return parseProperties(text);
}

/** Runs a tool's option checks: usage problems and help print the message and the usage on stderr (exit 1). Returns the options, or the exit code. */
export function parseCommandLine(
  parser: OptionParser,
  args: readonly string[],
  check: (options: ParsedOptions) => void,
  err: (text: string) => void,
): ParsedOptions | number {
  try {
    const options = parser.parse(args);
    check(options);
    return options;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${error.message}\n${parser.usage()}\n`);
      return 1;
    }
    throw error;
  }
}

/**
 * `key=value` arguments (--property, --producer-property …) as a map, as Kafka's parseKeyValueArgs
 * reads them: a key without a value gets "", or is an error when `acceptMissingValue` is false.
 */
export function parseKeyValueArgs(args: readonly string[], acceptMissingValue = true): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg : arg.slice(0, eq);
    const value = eq < 0 ? '' : arg.slice(eq + 1);
    if (value === '' && !acceptMissingValue) throw new Error(`Missing value for key ${key}`);
    out[key] = value;
  }
  return out;
}

/** The settings a client knows; the others are dropped with the warning Java's clients log for them. */
export function knownSettings(props: Record<string, string>, known: object, warn: (text: string) => void): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(props)) {
    if (key in known) out[key] = value;
    else warn(`WARN The configuration '${key}' was supplied but isn't a known config.\n`);
  }
  return out;
}
