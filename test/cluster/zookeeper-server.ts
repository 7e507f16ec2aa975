// The ZooKeeper server tests start lives in bench/ (the chaos run and bench:broker start it too).
export { freePort, startZooKeeper, type ZooKeeperServer, type ZooKeeperServerOptions } from '../../bench/zookeeper-server.js';
