// One API server process for the scale-out suite: the real server (tRPC over HTTP, SSE) configured from
// the environment (CREWFLOW_EXECUTOR=bullmq, DATABASE_URL, queue settings), without the web app's files.
import type { AddressInfo } from "node:net";
import { configFromEnv, createServer } from "@crewflow/server";

const app = await createServer({ webDist: false, logger: false, config: { ...configFromEnv(), port: 0 } });
await app.listen({ host: "127.0.0.1", port: 0 });
const { port } = app.server.address() as AddressInfo;
console.log(`api listening http://127.0.0.1:${port} pid ${process.pid}`);
const stop = () => void app.close().then(() => process.exit(0), () => process.exit(1));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
