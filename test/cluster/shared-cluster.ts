// One three-broker cluster shared by the tests of a file: started once, made whole again after
// each test (what the test started stopped first, brokers it left down restarted), stopped at the end.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { Admin } from '../../src/clients/admin/admin.js';
import type { Cleanup } from '../cleanup.js';
import { TestCluster } from './cluster-harness.js';

export interface SharedCluster {
  readonly cluster: TestCluster;
  /** samsa's Admin on every broker of the cluster. */
  readonly admin: Admin;
}

/** Registers the file's hooks; the fields are set once beforeAll has run. */
export function shareCluster(cleanup: Cleanup, settings: Record<string, string> = {}): SharedCluster {
  const shared = {} as { cluster: TestCluster; admin: Admin };
  beforeAll(async () => {
    shared.cluster = await TestCluster.start({ brokers: 3, settings });
    shared.admin = new Admin({ 'bootstrap.servers': shared.cluster.bootstrap, 'default.api.timeout.ms': 60_000 });
  }, 120_000);
  afterEach(async () => {
    await cleanup.stopAll();
    // Brokers a test left down (one that failed halfway) start again: the next test starts whole.
    for (const id of shared.cluster.brokerIds) if (!shared.cluster.isRunning(id)) await shared.cluster.startBroker(id);
    await shared.cluster.waitForMembership();
  });
  afterAll(async () => {
    await shared.admin?.close();
    await shared.cluster?.close();
  });
  return shared;
}
