// The cluster tests start lives in bench/ (the chaos run and bench:broker start clusters too).
export { FAST_CLUSTER, LocalCluster as TestCluster, waitUntil, type ClusterOptions } from '../../bench/cluster-process.js';
