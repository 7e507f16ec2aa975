// Kafka's DefaultMessageFormatter: how the console consumer prints a record —
// its timestamp, partition, offset, headers and key when asked, then its
// value, separated by key.separator and ended by line.separator.
import type { ConsumerRecord } from '../clients/consumer/consumer-records.js';

const isTrue = (v: string | undefined) => v !== undefined && v.trim().toLowerCase() === 'true';

export class MessageFormatter {
  private readonly printTimestamp: boolean;
  private readonly printKey: boolean;
  private readonly printValue: boolean;
  private readonly printPartition: boolean;
  private readonly printOffset: boolean;
  private readonly printHeaders: boolean;
  private readonly keySeparator: Buffer;
  private readonly lineSeparator: Buffer;
  private readonly headersSeparator: Buffer;
  private readonly nullLiteral: Buffer;

  /** The formatter's properties (--property), by Kafka's names. */
  constructor(config: Readonly<Record<string, string>>) {
    const flag = (name: string, byDefault: boolean) => (config[name] === undefined ? byDefault : isTrue(config[name]));
    const bytes = (name: string, byDefault: string) => Buffer.from(config[name] ?? byDefault, 'utf8');
    this.printTimestamp = flag('print.timestamp', false);
    this.printKey = flag('print.key', false);
    this.printValue = flag('print.value', true);
    this.printPartition = flag('print.partition', false);
    this.printOffset = flag('print.offset', false);
    this.printHeaders = flag('print.headers', false);
    this.keySeparator = bytes('key.separator', '\t');
    this.lineSeparator = bytes('line.separator', '\n');
    this.headersSeparator = bytes('headers.separator', ',');
    this.nullLiteral = bytes('null.literal', 'null');
  }

  /** The bytes printed for a record. */
  format(record: ConsumerRecord<Buffer | null, Buffer | null>): Buffer {
    const parts: Buffer[] = [];
    const text = (s: string) => parts.push(Buffer.from(s, 'utf8'));
    // After each column: the key separator when another column follows, else the line separator (as Kafka's writeSeparator).
    const separator = (more: boolean) => parts.push(more ? this.keySeparator : this.lineSeparator);
    const orNull = (b: Buffer | null) => b ?? this.nullLiteral;
    if (this.printTimestamp) {
      text(`${record.timestampType}:${record.timestamp}`);
      separator(this.printPartition || this.printOffset || this.printHeaders || this.printKey || this.printValue);
    }
    if (this.printPartition) {
      text(`Partition:${record.partition}`);
      separator(this.printOffset || this.printHeaders || this.printKey || this.printValue);
    }
    if (this.printOffset) {
      text(`Offset:${record.offset}`);
      separator(this.printHeaders || this.printKey || this.printValue);
    }
    if (this.printHeaders) {
      if (record.headers.length === 0) text('NO_HEADERS');
      record.headers.forEach((h, i) => {
        text(`${h.key}:`);
        parts.push(orNull(h.value));
        if (i < record.headers.length - 1) parts.push(this.headersSeparator);
      });
      separator(this.printKey || this.printValue);
    }
    if (this.printKey) {
      parts.push(orNull(record.key));
      separator(this.printValue);
    }
    if (this.printValue) {
      parts.push(orNull(record.value));
      parts.push(this.lineSeparator);
    }
    return Buffer.concat(parts);
  }
}
