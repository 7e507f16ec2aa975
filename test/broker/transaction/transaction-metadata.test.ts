import { describe, expect, it } from 'vitest';
import { IllegalTransitionError, TransactionMetadata } from '../../../src/broker/transaction/transaction-metadata.js';
import { isValidTransition, stateFromName, stateName, TransactionState } from '../../../src/broker/transaction/transaction-state.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { expectThrown } from '../../errors.js';

const S = TransactionState;

function metadata(state = S.Empty, epoch = 0): TransactionMetadata {
  return new TransactionMetadata(
    'tx',
    100,
    -1,
    epoch,
    -1,
    60_000,
    state,
    state === S.Empty ? [] : [{ topic: 't', partition: 0 }],
    state === S.Empty ? -1 : 5,
    5,
  );
}

describe("Kafka's transaction state machine", () => {
  it("allows exactly Kafka's transitions", () => {
    const all = Object.values(S).filter((v): v is TransactionState => typeof v === 'number');
    const allowed = all.flatMap((from) => all.filter((to) => isValidTransition(from, to)).map((to) => `${stateName(from)}→${stateName(to)}`));
    expect(allowed.sort()).toEqual(
      [
        'Empty→Empty',
        'CompleteCommit→Empty',
        'CompleteAbort→Empty',
        'Ongoing→Ongoing',
        'Empty→Ongoing',
        'CompleteCommit→Ongoing',
        'CompleteAbort→Ongoing',
        'Ongoing→PrepareCommit',
        'Ongoing→PrepareAbort',
        'PrepareEpochFence→PrepareAbort',
        'PrepareCommit→CompleteCommit',
        'PrepareAbort→CompleteAbort',
        'Empty→Dead',
        'CompleteAbort→Dead',
        'CompleteCommit→Dead',
        'Ongoing→PrepareEpochFence',
      ].sort(),
    );
    expect(stateFromName('PrepareEpochFence')).toBe(S.PrepareEpochFence);
    expect(stateFromName('Finished')).toBeUndefined();
  });

  it('goes Empty → Ongoing → PrepareCommit → CompleteCommit, each change applied only when completed', () => {
    const m = metadata();
    const add = m.prepareAddPartitions([{ topic: 't', partition: 1 }], 10);
    expect(m.state).toBe(S.Empty);
    expect(m.pendingState).toBe(S.Ongoing);
    // A second change while one is pending is a coordinator bug.
    expectThrown(() => m.prepareAddPartitions([], 11), IllegalTransitionError, {}, /while Ongoing is pending/);
    m.completeTransitionTo(add);
    expect([m.state, m.pendingState, m.txnStartTimestamp, m.partitionList()]).toEqual([S.Ongoing, undefined, 10, [{ topic: 't', partition: 1 }]]);
    m.completeTransitionTo(m.prepareAbortOrCommit(S.PrepareCommit, 12));
    m.removePartition({ topic: 't', partition: 1 });
    m.completeTransitionTo(m.prepareComplete(13));
    expect([m.state, m.partitions.size, m.txnStartTimestamp, m.txnLastUpdateTimestamp]).toEqual([S.CompleteCommit, 0, 10, 13]);
    expectThrown(() => m.removePartition({ topic: 't', partition: 1 }), IllegalTransitionError, {}, /only while its markers are written/);
  });

  it('bumps the epoch on InitProducerId; KIP-360 retries get the same epoch, strangers PRODUCER_FENCED', () => {
    const m = metadata(S.CompleteAbort, 4);
    const fresh = m.prepareIncrementProducerEpoch(30_000, undefined, 20);
    expect(fresh).toMatchObject({ producerEpoch: 5, lastProducerEpoch: -1, txnTimeoutMs: 30_000, state: S.Empty });
    m.pendingState = undefined;
    const resumed = m.prepareIncrementProducerEpoch(30_000, 4, 20);
    expect(resumed).toMatchObject({ producerEpoch: 5, lastProducerEpoch: 4 });
    m.completeTransitionTo(resumed as never);
    expect(m.prepareIncrementProducerEpoch(30_000, 4, 21)).toMatchObject({ producerEpoch: 5, lastProducerEpoch: 4 });
    m.pendingState = undefined;
    expect(m.prepareIncrementProducerEpoch(30_000, 2, 21)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(m.pendingState).toBeUndefined();
  });

  it('fences with one bump, and not again after a fence whose write failed', () => {
    const m = metadata(S.Ongoing, 3);
    expect(m.prepareFenceProducerEpoch()).toMatchObject({ producerEpoch: 4, state: S.PrepareEpochFence });
    m.pendingState = undefined;
    m.producerEpoch = 4;
    m.hasFailedEpochFence = true;
    expect(m.prepareFenceProducerEpoch().producerEpoch).toBe(4);
    m.pendingState = undefined;
    m.completeTransitionTo(m.prepareAbortOrCommit(S.PrepareAbort, 30));
    // The abort is in the log: a later fence bumps again.
    m.completeTransitionTo(m.prepareComplete(31));
    expect(m.hasFailedEpochFence).toBe(false);
  });

  it('rotates to a new producer id at epoch 0 once the epochs run out', () => {
    const m = metadata(S.CompleteCommit, 32766);
    expect(m.isProducerEpochExhausted).toBe(true);
    expectThrown(() => m.prepareIncrementProducerEpoch(1000, undefined, 1), IllegalTransitionError, {}, /no epochs left/);
    const rotated = m.prepareProducerIdRotation(200, 1000, 1, true);
    m.completeTransitionTo(rotated);
    expect([m.producerId, m.producerEpoch, m.lastProducerId, m.lastProducerEpoch]).toEqual([200, 0, 100, 32766]);
  });

  it('refuses to complete a transition that does not follow from the metadata', () => {
    const m = metadata(S.Ongoing, 1);
    const commit = m.prepareAbortOrCommit(S.PrepareCommit, 40);
    m.partitions.set('t:9', { topic: 't', partition: 9 });
    expectThrown(() => m.completeTransitionTo(commit), IllegalTransitionError, {}, /transaction changed while ending/);
    const other = metadata(S.Empty, 0);
    expectThrown(() => other.completeTransitionTo(commit), IllegalTransitionError, {}, /not the pending state/);
    expectThrown(() => metadata(S.PrepareCommit).prepareAddPartitions([], 1), IllegalTransitionError, {}, /cannot go from PrepareCommit to Ongoing/);
  });
});
