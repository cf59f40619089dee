// A server in its own process (the bench: the client gets the other core; the crash test: kill -9),
// the simulated model. Prints `{"url": …}` once listening; stops on SIGTERM.
import type { AddressInfo } from "node:net";
import { type ServerConfig, createServer } from "../../src/app";

const [dataDir, workspace, extra] = process.argv.slice(2);
// A third argument: more configuration as JSON (the bench allows scripts).
const more = extra ? (JSON.parse(extra) as Partial<ServerConfig>) : {};
const app = await createServer({ webDist: false, logger: false, config: { dataDir, workspace, maxConcurrentRuns: 64, ...more } });
await app.listen({ host: "127.0.0.1", port: 0 });
console.log(JSON.stringify({ url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` }));
process.once("SIGTERM", () => void app.close().then(() => process.exit(0)));
// The bench asks for the server's CPU time around each measurement (a figure other load cannot skew).
process.on("SIGUSR2", () => console.log(JSON.stringify({ cpu: process.cpuUsage(), memory: process.memoryUsage() })));
