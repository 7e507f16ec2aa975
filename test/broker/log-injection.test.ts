import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeControlCharacters, oneLineLog } from '../../src/broker/broker-log.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type BrokerProcess, startBrokerProcess } from './broker-process.js';
import { RawClient } from './raw-client.js';

// Client-supplied strings (client.id, group ids, member ids, reasons…) reach the
// broker's log; a newline in one must not start a line that looks like the broker's own.

const FORGED_CLIENT_ID = 'x\n[samsa error] forged';

/** Resolves once the broker has written a line matching `pattern`; bounded by `ms`. */
async function logged(broker: BrokerProcess, pattern: RegExp, ms = 10_000): Promise<void> {
  if (pattern.test(broker.output())) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in the broker's log:\n${broker.output()}`)), ms);
    const check = () => {
      if (!pattern.test(broker.output())) return;
      clearTimeout(timer);
      broker.child.stderr!.off('data', check);
      resolve();
    };
    broker.child.stderr!.on('data', check);
  });
}

describe('log lines with client-supplied strings', () => {
  it('a client.id with a newline is logged on one line, the newline escaped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-log-injection-'));
    let broker: BrokerProcess | undefined;
    let client: RawClient | undefined;
    try {
      broker = await startBrokerProcess(dir, { 'group.initial.rebalance.delay.ms': '0' });
      client = await RawClient.connect(broker.port, FORGED_CLIENT_ID);
      // JoinGroup v3 gives the member id at once: the client.id, a dash and a UUID, logged as the rebalance reason.
      const joined = await client.request('JoinGroup', 3, {
        groupId: 'injected\r\u001b[2Kgroup',
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 5_000,
        memberId: '',
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      });
      expect(joined.errorCode).toBe(ErrorCode.NONE);
      expect(joined.memberId.startsWith(FORGED_CLIENT_ID)).toBe(true); // the id itself keeps what the client sent
      const left = await client.request('LeaveGroup', 0, { groupId: 'injected\r\u001b[2Kgroup', memberId: joined.memberId });
      expect(left.errorCode).toBe(ErrorCode.NONE);
      await logged(broker, /has left group/);

      const lines = broker.output().split('\n');
      const mentioning = lines.filter((l) => l.includes('forged'));
      expect(mentioning.length).toBeGreaterThanOrEqual(2); // the rebalance and the leave
      for (const line of mentioning) {
        expect(line).toMatch(/^\[samsa info\] /);
        expect(line).toContain('x\\n[samsa error] forged-');
        expect(line).toContain('injected\\r\\x1b[2Kgroup');
      }
      expect(lines.filter((l) => l.startsWith('[samsa error]'))).toEqual([]);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters in the log
      expect(broker.output()).not.toMatch(/[\r\u001b]/);
    } finally {
      client?.close();
      broker?.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('escapeControlCharacters', () => {
  it('writes C0, DEL, C1 and Unicode line separators as escapes and leaves the rest alone', () => {
    expect(escapeControlCharacters('plain, ünïcode & \\ backslash')).toBe('plain, ünïcode & \\ backslash');
    expect(escapeControlCharacters('a\nb\r\nc\td')).toBe('a\\nb\\r\\nc\\td');
    expect(escapeControlCharacters('\u0000\u001b[31m\u007f\u0085\u2028\u2029')).toBe('\\x00\\x1b[31m\\x7f\\x85\\u2028\\u2029');
  });

  it('oneLineLog hands the sink escaped messages, with the level untouched', () => {
    const seen: Array<[string, string]> = [];
    oneLineLog((level, message) => seen.push([level, message]))('warn', FORGED_CLIENT_ID);
    expect(seen).toEqual([['warn', 'x\\n[samsa error] forged']]);
  });
});
