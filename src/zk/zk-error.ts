/** ZooKeeper's result codes by their KeeperException.Code names. */
export const ZK_CODES = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const;

export type ZkCodeName = keyof typeof ZK_CODES;

const NAMES_BY_NUMBER = new Map<number, ZkCodeName>(Object.entries(ZK_CODES).map(([name, n]) => [n, name as ZkCodeName]));

/** The code name for a number ZooKeeper sent; SYSTEMERROR for one it has no name for. */
export function zkCodeName(code: number): ZkCodeName {
  return NAMES_BY_NUMBER.get(code) ?? 'SYSTEMERROR';
}

/**
 * A failed ZooKeeper operation, as Java's KeeperException: `code` is the code's name
 * (NONODE, NODEEXISTS, BADVERSION, NOTEMPTY, CONNECTIONLOSS, SESSIONEXPIRED…) and `path`
 * the znode it was about, when there is one. CONNECTIONLOSS leaves the outcome unknown (the
 * server may have applied it); SESSIONEXPIRED means the session, and its ephemeral nodes, are gone.
 */
export class ZkError extends Error {
  constructor(
    readonly code: ZkCodeName,
    readonly path?: string,
    detail?: string,
  ) {
    super(`ZooKeeper ${code}${path === undefined ? '' : ` for ${path}`}${detail ? `: ${detail}` : ''}`);
    this.name = 'ZkError';
  }
}

/**
 * No connection to ZooKeeper within zookeeper.connection.timeout.ms (Kafka's
 * ZooKeeperClientTimeoutException). Its code is CONNECTIONLOSS: nothing was sent.
 */
export class ZooKeeperClientTimeoutError extends ZkError {
  constructor(timeoutMs: number, state: string) {
    super('CONNECTIONLOSS', undefined, `timed out after ${timeoutMs} ms waiting for a connection while ${state}`);
    this.name = 'ZooKeeperClientTimeoutError';
  }
}

/** A multi (transaction) that failed as a whole: `failedOp` is the index of the op that failed, with `code`. */
export class ZkMultiError extends ZkError {
  constructor(
    code: ZkCodeName,
    readonly failedOp: number,
    path: string | undefined,
  ) {
    super(code, path, `op ${failedOp} of a multi failed; none was applied`);
    this.name = 'ZkMultiError';
  }
}
