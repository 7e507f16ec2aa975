import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AclOperation } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeLogDirsRequest, DescribeLogDirsResponse } from '../../protocol/messages/describe-log-dirs.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { ApiHandler } from './api-handler.js';
import { clusterAuthorized } from './authorize.js';

type LogDirResult = Item<MessageInput<typeof DescribeLogDirsResponse>['results']>;
type PartitionEntry = Item<Item<LogDirResult['topics']>['partitions']>;

/**
 * DescribeLogDirs: each directory of log.dirs with the partitions it holds
 * and their sizes (all of them, or those asked for), and from v4 the disk's
 * total and usable bytes. A directory that cannot be read reports KAFKA_STORAGE_ERROR.
 */
export const describeLogDirsHandler: ApiHandler<typeof DescribeLogDirsRequest, typeof DescribeLogDirsResponse> = {
  request: DescribeLogDirsRequest,
  response: DescribeLogDirsResponse,
  handle(request, ctx) {
    const broker = ctx.broker;
    if (!clusterAuthorized(ctx, AclOperation.DESCRIBE)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    const asked = request.topics;
    // topic → partitions wanted (null: all of them).
    const wanted = new Map<string, Set<number> | null>();
    if (asked === null) for (const t of broker.topics.all()) wanted.set(t.name, null);
    else
      for (const t of asked) {
        const set = wanted.get(t.topic) ?? new Set<number>();
        for (const p of t.partitions) set.add(p);
        wanted.set(t.topic, set);
      }
    // log dir → topic → partitions.
    const byDir = new Map<string, Map<string, PartitionEntry[]>>();
    for (const dir of broker.config.logDirs) byDir.set(resolve(dir), new Map());
    for (const [name, partitions] of wanted) {
      const topic = broker.topics.get(name);
      if (!topic) continue;
      const indexes = partitions === null ? topic.replicas.map((_, i) => i) : [...partitions].sort((a, b) => a - b);
      for (const index of indexes) {
        const partition = broker.replicas.getPartition(name, index);
        if (!partition) continue;
        const topics = byDir.get(resolve(dirname(partition.log.dir.path)));
        if (!topics) continue;
        const list = topics.get(name) ?? [];
        list.push({ partitionIndex: index, partitionSize: partition.log.sizeInBytes, offsetLag: 0, isFutureKey: false });
        topics.set(name, list);
      }
    }
    const results = broker.config.logDirs.map((dir): LogDirResult => {
      const topics = [...byDir.get(resolve(dir))!].map(([name, partitions]) => ({ name, partitions }));
      try {
        const fs = statfsSync(dir);
        return { errorCode: ErrorCode.NONE, logDir: dir, topics, totalBytes: fs.blocks * fs.bsize, usableBytes: fs.bavail * fs.bsize };
      } catch {
        return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, logDir: dir, topics: [], totalBytes: -1, usableBytes: -1 };
      }
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results };
  },
};
