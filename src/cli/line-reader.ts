// Kafka's LineMessageReader: one record per line of the console producer's
// input, its headers and key parsed from the line when asked
// (`h1:v1,h2:v2<TAB>key<TAB>value`), with Kafka's separators and null marker.
import type { ProducerRecord } from '../clients/producer/producer-record.js';

/** The reader's properties (--property, --reader-config), by Kafka's names. */
export type LineReaderConfig = Readonly<Record<string, string>>;

/** A line the reader cannot parse, or settings that contradict each other (Kafka's KafkaException). */
export class LineReaderError extends Error {
  override name = 'KafkaException';
}

const isTrue = (v: string | undefined) => v !== undefined && v.trim().toLowerCase() === 'true';

/** Java's String.split by a regular expression: trailing empty strings dropped. */
function javaSplit(text: string, pattern: RegExp): string[] {
  const parts = text.split(pattern);
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export class LineReader {
  private readonly parseKey: boolean;
  private readonly keySeparator: string;
  private readonly parseHeaders: boolean;
  private readonly headersDelimiter: string;
  private readonly headersSeparator: RegExp;
  private readonly headersKeySeparator: string;
  private readonly ignoreError: boolean;
  private readonly nullMarker: string | undefined;
  private lineNumber = 0;

  constructor(
    private readonly topic: string,
    config: LineReaderConfig,
  ) {
    this.parseKey = isTrue(config['parse.key']);
    this.keySeparator = config['key.separator'] ?? '\t';
    this.parseHeaders = isTrue(config['parse.headers']);
    this.headersDelimiter = config['headers.delimiter'] ?? '\t';
    const headersSeparator = config['headers.separator'] ?? ',';
    this.headersSeparator = new RegExp(headersSeparator);
    this.headersKeySeparator = config['headers.key.separator'] ?? ':';
    this.ignoreError = isTrue(config['ignore.error']);
    this.nullMarker = config['null.marker'];
    const distinct: Array<[string, string, string, string]> = [
      ['headers.delimiter', this.headersDelimiter, 'headers.separator', headersSeparator],
      ['headers.delimiter', this.headersDelimiter, 'headers.key.separator', this.headersKeySeparator],
      ['headers.separator', headersSeparator, 'headers.key.separator', this.headersKeySeparator],
    ];
    if (this.nullMarker !== undefined) {
      distinct.push(
        ['null.marker', this.nullMarker, 'key.separator', this.keySeparator],
        ['null.marker', this.nullMarker, 'headers.separator', headersSeparator],
        ['null.marker', this.nullMarker, 'headers.delimiter', this.headersDelimiter],
        ['null.marker', this.nullMarker, 'headers.key.separator', this.headersKeySeparator],
      );
    }
    for (const [a, av, b, bv] of distinct) if (av === bv) throw new LineReaderError(`${a} and ${b} may not be equal`);
  }

  /** The record a line stands for. */
  parse(line: string): ProducerRecord<Buffer | null, Buffer | null> {
    this.lineNumber++;
    const headers = this.field(this.parseHeaders, line, 0, this.headersDelimiter, 'headers delimiter');
    const headerOffset = headers === null ? 0 : headers.length + this.headersDelimiter.length;
    const key = this.field(this.parseKey, line, headerOffset, this.keySeparator, 'key separator');
    const keyOffset = key === null ? 0 : key.length + this.keySeparator.length;
    const value = line.slice(headerOffset + keyOffset);
    return {
      topic: this.topic,
      key: key === null || key === this.nullMarker ? null : Buffer.from(key, 'utf8'),
      value: value === this.nullMarker ? null : Buffer.from(value, 'utf8'),
      headers: headers === null || headers === this.nullMarker ? [] : this.splitHeaders(headers),
    };
  }

  private field(enabled: boolean, line: string, start: number, separator: string, what: string): string | null {
    if (!enabled) return null;
    const index = line.indexOf(separator, start);
    if (index === -1) {
      if (this.ignoreError) return null;
      throw new LineReaderError(`No ${what} found on line number ${this.lineNumber}: '${line}'`);
    }
    return line.slice(start, index);
  }

  private splitHeaders(headers: string): Array<{ key: string; value: Buffer | null }> {
    return javaSplit(headers, this.headersSeparator).map((pair) => {
      const i = pair.indexOf(this.headersKeySeparator);
      if (i === -1) {
        if (this.ignoreError) return { key: pair, value: null };
        throw new LineReaderError(`No header key separator found in pair '${pair}' on line number ${this.lineNumber}`);
      }
      const key = pair.slice(0, i);
      if (key === this.nullMarker) throw new LineReaderError(`Header keys should not be equal to the null marker '${this.nullMarker}' as they can't be null`);
      const value = pair.slice(i + this.headersKeySeparator.length);
      return { key, value: value === this.nullMarker ? null : Buffer.from(value, 'utf8') };
    });
  }
}
