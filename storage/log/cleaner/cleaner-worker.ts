import { parentPort } from 'node:worker_threads';
import { CleanerCore, serializeError } from './cleaner-core.js';
import type { WorkerReply, WorkerRequest } from './cleaner-protocol.js';

// The log cleaner's worker thread (started by cleaner-thread.ts, from the
// compiled dist/storage/log/cleaner/cleaner-worker.js). It hosts one
// CleanerCore per Cleaner of the process and answers their requests in the
// order they come. It does no I/O: the main thread reads and writes segments.

const port = parentPort;
if (!port) throw new Error('cleaner-worker.js runs as a worker thread');
const cores = new Map<number, CleanerCore>();

port.on('message', ({ id, core, request }: WorkerRequest) => {
  let reply: WorkerReply;
  let transfer: ArrayBuffer[] = [];
  try {
    if (request.op === 'dispose') {
      cores.delete(core);
      reply = { id, value: undefined };
    } else {
      let target = cores.get(core);
      if (!target) {
        // A cleaning starts with beginMap, which carries what a core needs.
        if (request.op !== 'beginMap') throw new Error(`cleaner core ${core} is unknown here: its cleaning did not start in this worker`);
        target = new CleanerCore(request.options);
        cores.set(core, target);
      }
      const handled = target.handle(request);
      reply = { id, value: handled.value };
      transfer = handled.transfer;
    }
  } catch (error) {
    reply = { id, error: serializeError(error) };
  }
  port.postMessage(reply, transfer);
});

port.postMessage({ ready: true } satisfies WorkerReply);
