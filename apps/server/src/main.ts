import { createServer, WebDistMissingError } from "./app";

const host = process.env.HOST || "127.0.0.1";
const portText = process.env.PORT || "3000";
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`Invalid PORT ${JSON.stringify(portText)}: expected an integer from 0 to 65535.`);
  process.exit(1);
}

try {
  const app = await createServer({ logger: { level: process.env.LOG_LEVEL || "warn" } });
  await app.listen({ host, port });
  const address = app.server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  console.log(`Crewflow listening on http://${shownHost}:${actualPort}`);

  const stop = (signal: NodeJS.Signals) => {
    app.log.info(`${signal}: shutting down`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  if (error instanceof WebDistMissingError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
}
