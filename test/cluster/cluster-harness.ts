// The cluster tests start lives in bench/ (the chaos run and bench:broker start clusters too).
export { type ClusterOptions, FAST_CLUSTER, LocalCluster as TestCluster, waitUntil } from '../../bench/cluster-process.js';
