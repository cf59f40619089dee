import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { ReactFlowProvider } from "@xyflow/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Canvas } from "../../src/editor/canvas/Canvas";
import { InspectorPanel } from "../../src/editor/InspectorPanel";
import { Palette } from "../../src/editor/Palette";
import { resetEditor, useFlowEditor } from "../../src/editor/store";
import { TopBar } from "../../src/editor/TopBar";
import { ROUTED_FLOW } from "./fixtures";

function Editor() {
  return (
    <ReactFlowProvider>
      <TopBar onOpen={() => {}} />
      <Palette />
      <div style={{ width: 1000, height: 700 }}>
        <Canvas />
      </div>
      <InspectorPanel />
    </ReactFlowProvider>
  );
}

beforeEach(() => {
  resetEditor();
  useFlowEditor.getState().loadText(ROUTED_FLOW, { flowId: "f1", flowName: "RoutedFlow", version: 3 });
});
afterEach(cleanup);

describe("the editor window", () => {
  it("shows the flow's methods as named nodes with router label handles", () => {
    render(<Editor />);
    const canvas = screen.getByRole("region", { name: "Canvas" });
    const route = within(canvas).getByRole("group", { name: "route (router)" });
    expect(route.closest(".react-flow__node")?.getAttribute("data-id")).toBe("route");
    const handles = [...route.querySelectorAll(".react-flow__handle")].map((h) => h.getAttribute("data-handleid"));
    expect(handles).toEqual(expect.arrayContaining(["in", "emit:followup", "emit:done", "out"]));
    expect(within(canvas).getByRole("group", { name: "research (start)" })).toBeTruthy();
    // The router's unused label is a warning on the node.
    expect(within(route).getByLabelText(/^\d+ problems$/)).toBeTruthy();
    expect(screen.getByRole("textbox", { name: "Flow name" })).toHaveProperty("value", "RoutedFlow");
    expect(screen.getByText("v3")).toBeTruthy();
    expect(screen.queryByLabelText("Unsaved changes")).toBeNull();
  });

  it("adds a palette item on Enter, selected and inspected, and undoes it from the top bar", () => {
    render(<Editor />);
    const palette = screen.getByRole("region", { name: "Palette" });
    for (const name of ["Add Start", "Add Listen", "Add Router", "Add And join", "Add Or join", "Add Crew", "Add Agent", "Add Expression", "Add Each", "Add Script", "Add Human feedback"])
      expect(within(palette).getByRole("button", { name }).getAttribute("draggable")).toBe("true");
    fireEvent.keyDown(within(palette).getByRole("button", { name: "Add Crew" }), { key: "Enter" });
    const node = screen.getByRole("group", { name: "crew_1 (crew)" });
    expect(node.closest(".react-flow__node")?.classList.contains("selected")).toBe(true);
    expect(screen.getByLabelText("Unsaved changes")).toBeTruthy();
    expect(within(screen.getByRole("region", { name: "Inspector" })).getByDisplayValue("crew_1")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Undo" }));
    expect(screen.queryByRole("group", { name: "crew_1 (crew)" })).toBeNull();
    expect(screen.queryByLabelText("Unsaved changes")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Redo" }));
    expect(screen.getByRole("group", { name: "crew_1 (crew)" })).toBeTruthy();
  });

  it("draws a palette join as a node with the join: id and in/out handles", () => {
    render(<Editor />);
    fireEvent.click(screen.getByRole("button", { name: "Add And join" }));
    const join = document.querySelector('.react-flow__node[data-id="join:1"]');
    expect(join).not.toBeNull();
    const handles = [...join!.querySelectorAll(".react-flow__handle")].map((h) => h.getAttribute("data-handleid"));
    expect(handles.sort()).toEqual(["in", "out"]);
  });

  it("selects a method from the problems list", () => {
    render(<Editor />);
    const problems = screen.getByRole("region", { name: "Problems" });
    const routeProblem = within(problems)
      .getAllByRole("button")
      .find((button) => button.textContent?.includes("route:"));
    expect(routeProblem).toBeDefined();
    fireEvent.click(routeProblem!);
    expect(useFlowEditor.getState().selected).toEqual(["route"]);
    expect(within(screen.getByRole("region", { name: "Inspector" })).getByDisplayValue("route")).toBeTruthy();
  });

  it("shows a minimap on a small flow, which the user can hide", () => {
    render(<Editor />);
    expect(document.querySelector(".react-flow__minimap")).not.toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Hide minimap" }));
    expect(document.querySelector(".react-flow__minimap")).toBeNull();
    expect(screen.getByRole("button", { name: "Show minimap" })).toBeTruthy();
  });

  it("drops a dragged palette item on the canvas", () => {
    render(<Editor />);
    const data = new Map<string, string>();
    const dataTransfer = {
      setData: (type: string, value: string) => data.set(type, value),
      getData: (type: string) => data.get(type) ?? "",
      get types() {
        return [...data.keys()];
      },
      dropEffect: "none",
      effectAllowed: "all",
    };
    fireEvent.dragStart(screen.getByRole("button", { name: "Add Router" }), { dataTransfer });
    const pane = screen.getByRole("region", { name: "Canvas" });
    fireEvent.dragOver(pane, { dataTransfer, clientX: 400, clientY: 300 });
    fireEvent.drop(pane, { dataTransfer, clientX: 400, clientY: 300 });
    expect(screen.getByRole("group", { name: "router_1 (router)" })).toBeTruthy();
    expect(useFlowEditor.getState().definition.methods?.router_1?.router).toBe(true);
  });
});
