import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../package-root.js';

/** One request frame a real client sent (without its length prefix), as test/fixtures/capture-client-frames.ts stores it. */
export interface CapturedFrame {
  client: string;
  apiKey: number;
  apiVersion: number;
  /** base64 */
  frame: string;
}

export const CLIENT_FRAMES_FILE = join(packageRoot(import.meta.url), 'test', 'fixtures', 'client-frames.json');

/** A captured frame, decoded. */
export interface SeedFrame {
  client: string;
  apiKey: number;
  apiVersion: number;
  bytes: Buffer;
}

/** The frames kcat, kafka-python, confluent-kafka and KafkaJS sent, for mutation. */
export function loadClientFrames(): SeedFrame[] {
  const { frames } = JSON.parse(readFileSync(CLIENT_FRAMES_FILE, 'utf8')) as { frames: CapturedFrame[] };
  return frames.map((f) => ({ client: f.client, apiKey: f.apiKey, apiVersion: f.apiVersion, bytes: Buffer.from(f.frame, 'base64') }));
}
