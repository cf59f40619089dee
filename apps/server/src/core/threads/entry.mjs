// A run thread starts here. Its heartbeat starts first, so the API thread can tell a thread that is
// busy loading from one whose event loop a run has blocked. Node cannot load worker.ts's TypeScript by
// itself, and a process started with `--import tsx` does not pass tsx's loader on to its worker
// threads, so tsx is registered here.
import { setInterval } from "node:timers";
import { getHeapStatistics } from "node:v8";
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

// [0] beats, [1] heap used in MB: a heap near its limit also stops the beat (V8 collects garbage
// without end before it gives up), and the API thread tells the two apart by the last figure.
const beat = new Int32Array(workerData.heartbeat);
const tick = () => {
  Atomics.add(beat, 0, 1);
  Atomics.store(beat, 1, Math.round(getHeapStatistics().used_heap_size / 1048576));
};
setInterval(tick, 100);
tick();

register();
await import(workerData.body === "documents" ? "./document-worker.ts" : "./worker.ts");
