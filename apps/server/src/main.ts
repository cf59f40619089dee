// `pnpm start`: the web app and the API on one port (HOST/PORT, default 127.0.0.1:3000), runs stored
// in SQLite under data/ (migrated on start) unless DATABASE_URL says otherwise, the simulated model
// unless OPENAI_API_KEY/OPENAI_BASE_URL are set. Settings: the README's "Server" section.
// package.json starts Node with --max-semi-space-size=32: every request and run step makes many
// short-lived objects, and a larger young generation scavenges less often (~12% less server CPU per
// run in `pnpm bench`).
import { ConfigError, WebDistMissingError, configFromEnv, createServer } from "./app";

let config;
try {
  config = configFromEnv();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}

try {
  const app = await createServer({ logger: { level: process.env.LOG_LEVEL || "warn" }, config });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const actualPort = typeof address === "object" && address ? address.port : config.port;
  const shownHost = config.host.includes(":") ? `[${config.host}]` : config.host;
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
  if (error instanceof WebDistMissingError || error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
}
