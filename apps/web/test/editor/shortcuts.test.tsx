import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { ReactFlowProvider } from "@xyflow/react";
import { useState } from "react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SearchDialog } from "../../src/editor/dialogs/SearchDialog";
import { parseRoute } from "../../src/editor/routing";
import { useEditorShortcuts } from "../../src/editor/shortcuts";
import { resetEditor, useFlowEditor } from "../../src/editor/store";
import { ROUTED_FLOW } from "./fixtures";

function Shell() {
  const [searching, setSearching] = useState(false);
  useEditorShortcuts(() => setSearching(true));
  return (
    <ReactFlowProvider>
      <input aria-label="Some field" />
      {searching && <SearchDialog onClose={() => setSearching(false)} />}
    </ReactFlowProvider>
  );
}

const store = () => useFlowEditor.getState();
const press = (key: string, init: KeyboardEventInit = {}, target: Element | Window = window) => fireEvent.keyDown(target, { key, ...init });

beforeEach(() => {
  resetEditor();
  store().loadText(ROUTED_FLOW, { flowId: "f1", version: 1 });
});
afterEach(cleanup);

describe("keyboard shortcuts", () => {
  it("undo, redo, copy, paste and delete act on the document", () => {
    render(<Shell />);
    store().select(["write_followup"]);
    press("c", { ctrlKey: true });
    press("v", { ctrlKey: true });
    expect(Object.keys(store().definition.methods ?? {})).toContain("write_followup_1");
    press("Delete");
    expect(Object.keys(store().definition.methods ?? {})).not.toContain("write_followup_1");
    press("z", { ctrlKey: true });
    expect(Object.keys(store().definition.methods ?? {})).toContain("write_followup_1");
    press("z", { ctrlKey: true, shiftKey: true });
    expect(Object.keys(store().definition.methods ?? {})).not.toContain("write_followup_1");
  });

  it("leaves typing in a text field alone", () => {
    render(<Shell />);
    store().select(["research"]);
    press("Backspace", {}, screen.getByRole("textbox", { name: "Some field" }));
    expect(Object.keys(store().definition.methods ?? {})).toContain("research");
  });

  it("Ctrl+K finds a method by name and selects it", () => {
    render(<Shell />);
    press("k", { ctrlKey: true });
    const input = screen.getByRole("searchbox", { name: "Search methods" });
    fireEvent.change(input, { target: { value: "FOLLOW" } });
    expect(screen.getAllByRole("button").map((b) => b.textContent)).toContain("write_followup expression");
    fireEvent.keyDown(input, { key: "Enter" });
    expect(store().selected).toEqual(["write_followup"]);
    expect(store().focus?.id).toBe("write_followup");
    expect(screen.queryByRole("dialog", { name: "Search methods" })).toBeNull();
  });
});

describe("routes", () => {
  it("reads the three URLs", () => {
    expect(parseRoute("/")).toEqual({ page: "flows" });
    expect(parseRoute("/flows/abc")).toEqual({ page: "editor", flowId: "abc", runId: null });
    expect(parseRoute("/flows/abc/runs/r%201/")).toEqual({ page: "editor", flowId: "abc", runId: "r 1" });
    expect(parseRoute("/nope")).toEqual({ page: "not-found", path: "/nope" });
  });
});
