/**
 * A request or response that does not follow the protocol: a length running
 * past the frame, an impossible array count, a bad varint. Kafka answers a
 * malformed request with INVALID_REQUEST (error code 42) and closes the connection.
 */
export class ProtocolError extends Error {
  readonly errorCode = 42;

  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}
