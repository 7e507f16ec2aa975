/** What one cleaning did, as Kafka's cleaner reports after each log. */
export interface CleanerStats {
  /** Bytes read while building the offset map (the dirty section). */
  mapBytesRead: number;
  /** Records decoded while building the offset map. */
  mapRecordsRead: number;
  /** Bytes and records of the segments rewritten. */
  bytesRead: number;
  recordsRead: number;
  /** Bytes and records written to the cleaned segments. */
  bytesWritten: number;
  recordsWritten: number;
  /** Batches copied as stored (every record kept, no delete horizon to set). */
  batchesCopied: number;
  /** Batches re-encoded: some records dropped, or a delete horizon set. */
  batchesRewritten: number;
  /** Records without a key, which compaction drops (Kafka counts them as invalid). */
  invalidRecords: number;
  /** Tombstones and markers dropped because their delete horizon passed. */
  deletesRemoved: number;
  /** Records of aborted transactions dropped. */
  abortedRecordsRemoved: number;
  /** Batches whose records could not be read (see uncleanable-batches.ts), copied as stored. */
  uncleanableBatches: number;
  /** Segments replaced, and the cleaned segments that replaced them. */
  segmentsCleaned: number;
  groupsCleaned: number;
  /** Keys in the offset map, and the share of its capacity they used. */
  mapEntries: number;
  bufferUtilization: number;
  elapsedMs: number;
}

export function emptyCleanerStats(): CleanerStats {
  return {
    mapBytesRead: 0,
    mapRecordsRead: 0,
    bytesRead: 0,
    recordsRead: 0,
    bytesWritten: 0,
    recordsWritten: 0,
    batchesCopied: 0,
    batchesRewritten: 0,
    invalidRecords: 0,
    deletesRemoved: 0,
    abortedRecordsRemoved: 0,
    uncleanableBatches: 0,
    segmentsCleaned: 0,
    groupsCleaned: 0,
    mapEntries: 0,
    bufferUtilization: 0,
    elapsedMs: 0,
  };
}
