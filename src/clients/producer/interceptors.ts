import type { ProducerRecord, RecordMetadata } from './producer-record.js';

/**
 * Kafka's ProducerInterceptor: `onSend` sees (and may replace) every record
 * before it is serialized; `onAcknowledgement` sees every outcome before the
 * record's callback runs. An interceptor that throws is reported and skipped,
 * never failing the send, as in the Java client.
 */
export interface ProducerInterceptor {
  onSend?(record: ProducerRecord): ProducerRecord;
  onAcknowledgement?(metadata: RecordMetadata, error: Error | null): void;
  close?(): void;
}

function report(where: string, error: unknown): void {
  process.emitWarning(`producer interceptor ${where} threw: ${(error as Error)?.message ?? error}`, { code: 'SAMSA_INTERCEPTOR' });
}

/** The configured interceptors, called in order. */
export class ProducerInterceptors {
  constructor(private readonly list: readonly ProducerInterceptor[]) {}

  get empty(): boolean {
    return this.list.length === 0;
  }

  onSend(record: ProducerRecord): ProducerRecord {
    let current = record;
    for (const i of this.list) {
      if (!i.onSend) continue;
      try {
        current = i.onSend(current);
      } catch (e) {
        report('onSend', e);
      }
    }
    return current;
  }

  onAcknowledgement(metadata: RecordMetadata, error: Error | null): void {
    for (const i of this.list) {
      if (!i.onAcknowledgement) continue;
      try {
        i.onAcknowledgement(metadata, error);
      } catch (e) {
        report('onAcknowledgement', e);
      }
    }
  }

  close(): void {
    for (const i of this.list) {
      try {
        i.close?.();
      } catch (e) {
        report('close', e);
      }
    }
  }
}
