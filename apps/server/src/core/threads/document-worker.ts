// The body of the document thread: reads flow texts (YAML/JSON → definition + diagnostics) for the
// API thread, one at a time, so a 10,000-method import does not stall the API.
import { parentPort } from "node:worker_threads";
import { loadDefinitionText } from "@crewflow/definition";
import type { DocumentReply, DocumentRequest } from "./documents";

const port = parentPort!;
port.on("message", (request: DocumentRequest) => {
  let reply: DocumentReply;
  try {
    const loaded = loadDefinitionText(request.text, { sourcePath: request.sourcePath });
    reply = { id: request.id, loaded: { definition: loaded.definition, data: loaded.data, errors: loaded.errors, warnings: loaded.warnings } };
  } catch (err) {
    reply = { id: request.id, failure: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
