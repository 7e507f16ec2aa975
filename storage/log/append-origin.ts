/**
 * Who a leader's append comes from (Kafka's AppendOrigin), which decides how
 * much the log checks beyond the batch headers and CRCs every append has
 * checked. An append without an origin is an embedding program's own
 * batches, trusted as they are; a follower's copies of its leader's batches
 * go through Log.appendAsFollower, also without a walk of their records.
 */
export enum AppendOrigin {
  /**
   * A producer's Produce request, the one untrusted source: each batch's
   * records are walked, and a producer may send only one batch per partition,
   * no empty or control batch, and no transactional batch outside a transaction.
   */
  Client = 'client',
  /** The broker's own coordinators (the group coordinator's __consumer_offsets): records walked, nothing else refused. */
  Coordinator = 'coordinator',
}
