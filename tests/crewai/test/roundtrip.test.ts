// Every valid CrewAI example survives Crewflow unchanged: loading then saving gives the same bytes,
// an edit of nothing changes nothing, and the canvas's graph view maps back to an equal model.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { definitionToGraph, graphToDefinition, openDocument, serializeDocument, updateDocument } from "@crewflow/definition";
import { EXAMPLES, INDEX } from "./shared";

const VALID = [
  ...INDEX.filter((e) => !e.expects_error).map((e) => join(EXAMPLES, "extracted", e.file)),
  join(EXAMPLES, "crewai-flow-templates__flow_definition_example.yaml"),
];

describe("round trip of the valid CrewAI examples", () => {
  it("covers the 110 valid extracted files and the example template", () => {
    expect(VALID).toHaveLength(111);
  });

  it.each(VALID.map((path) => [path.split("/").pop()!, path] as const))("%s", (_name, path) => {
    const text = readFileSync(path, "utf8");
    const doc = openDocument(text, { sourcePath: path });
    const definition = doc.load.definition;
    expect(doc.load.errors).toEqual([]);
    // Unmodified: the same bytes, also after "saving" the same data back.
    expect(serializeDocument(doc)).toBe(text);
    expect(serializeDocument(updateDocument(doc, doc.data))).toBe(text);
    // The canvas edits the graph; mapping it back gives an equal model.
    expect(graphToDefinition(definitionToGraph(definition!), definition!)).toEqual(definition);
  });
});
