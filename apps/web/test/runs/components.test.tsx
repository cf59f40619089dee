import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { resetEditor, useFlowEditor } from "../../src/editor/store";
import { RunButton, RunPanel, useEdgeTraversed, useNodeRunStatus, useNodeStream } from "../../src/runs";
import { resetRuns, showEvents } from "../../src/runs/store";
import { METHODS, routedRun } from "./events";

afterEach(() => {
  cleanup();
  resetRuns();
  resetEditor();
});

function Node({ name }: { name: string }) {
  const status = useNodeRunStatus(name);
  const stream = useNodeStream(name);
  return (
    <div role="group" aria-label={name} data-status={status}>
      {stream}
    </div>
  );
}

function Edge({ source, target, label }: { source: string; target: string; label?: string }) {
  const traversed = useEdgeTraversed(source, target, label);
  return <span data-testid={`${source}->${target}`} data-traversed={traversed ? "true" : undefined} />;
}

function Canvas() {
  return (
    <>
      {METHODS.map((name) => (
        <Node key={name} name={name} />
      ))}
      <Edge source="route" target="write" label="followup" />
      <Edge source="begin" target="audit" />
    </>
  );
}

const nodeStatus = (name: string) => screen.getByRole("group", { name }).getAttribute("data-status");

describe("run panel and canvas hooks", () => {
  it("the steps list and the slider scrub the canvas highlight together", () => {
    render(
      <>
        <Canvas />
        <RunPanel />
      </>,
    );
    act(() => showEvents("run-1", METHODS, routedRun().events));
    const panel = screen.getByRole("region", { name: "Run panel" });
    expect(within(panel).getByRole("img", { name: "Run timeline" }).querySelectorAll("g[data-method]")).toHaveLength(4);
    expect(within(panel).getAllByRole("button", { name: /^Step \d+ / }).map((b) => b.textContent)).toEqual([
      "Step 1 begin",
      "Step 2 route",
      "Step 3 audit",
      "Step 4 write",
    ]);
    expect(nodeStatus("write")).toBe("done");
    expect(nodeStatus("never_runs")).toBe("skipped");
    expect(screen.getByTestId("route->write").getAttribute("data-traversed")).toBe("true");

    fireEvent.click(within(panel).getByRole("button", { name: "Step 2 route" }));
    const slider = within(panel).getByRole("slider", { name: "Step" }) as HTMLInputElement;
    expect(slider.value).toBe("2");
    expect(nodeStatus("audit")).toBe("running");
    expect(nodeStatus("write")).toBeNull();
    expect(screen.getByTestId("route->write").getAttribute("data-traversed")).toBeNull();
    expect(screen.getByTestId("begin->audit").getAttribute("data-traversed")).toBe("true");

    fireEvent.change(slider, { target: { value: "1" } });
    expect(nodeStatus("route")).toBeNull();
    expect(screen.getByTestId("begin->audit").getAttribute("data-traversed")).toBeNull();
    expect(within(panel).getByRole("button", { name: "Step 1 begin" }).getAttribute("aria-current")).toBe("step");

    // Clicking a bar of the timeline selects its step.
    fireEvent.click(within(panel).getByRole("img", { name: "Run timeline" }).querySelector('g[data-method="audit"]')!);
    expect(slider.value).toBe("3");
    expect(nodeStatus("audit")).toBe("done");
  });

  it("shows streamed tokens in the running node only", () => {
    render(<Canvas />);
    act(() => showEvents("run-1", METHODS, routedRun().events.slice(0, 8)));
    expect(screen.getByRole("group", { name: "route" }).textContent).toBe("followup");
    expect(screen.getByRole("group", { name: "begin" }).textContent).toBe("");
  });

  it("the inputs dialog has one control per state field and refuses values that do not fit the schema", () => {
    useFlowEditor.getState().loadText(
      `schema: crewai.flow/v1
name: Typed
state:
  type: json_schema
  json_schema:
    type: object
    properties:
      topic: { type: string, minLength: 3 }
      level: { type: string, enum: [low, high] }
      retries: { type: integer, minimum: 0 }
      strict: { type: boolean }
      tags: { type: array, items: { type: string } }
    required: [topic]
methods:
  begin:
    start: true
    do: { call: expression, expr: "state.topic" }
`,
      { flowId: "flow-1", version: 1 },
    );
    render(<RunButton />);
    fireEvent.click(screen.getByRole("button", { name: "Run" }));
    const dialog = screen.getByRole("dialog", { name: "Run inputs" });
    expect(within(dialog).getByLabelText(/^topic/).tagName).toBe("INPUT");
    expect(within(dialog).getByLabelText(/^level/).tagName).toBe("SELECT");
    expect((within(dialog).getByLabelText(/^strict/) as HTMLInputElement).type).toBe("checkbox");
    expect(within(dialog).getByLabelText(/^tags/).tagName).toBe("TEXTAREA");

    fireEvent.change(within(dialog).getByLabelText(/^topic/), { target: { value: "ai" } });
    fireEvent.change(within(dialog).getByLabelText(/^retries/), { target: { value: "-1" } });
    fireEvent.change(within(dialog).getByLabelText(/^tags/), { target: { value: "[1, " } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Start run" }));
    const alerts = within(dialog)
      .getAllByRole("alert")
      .map((a) => a.textContent);
    expect(alerts).toHaveLength(3);
    expect(alerts[0]).toMatch(/^topic: .*fewer than 3 characters/);
    expect(alerts[1]).toMatch(/^retries: .*>= 0/);
    expect(alerts[2]).toMatch(/^tags is not valid JSON/);
    // Nothing was sent: the dialog is still open.
    expect(screen.getByRole("dialog", { name: "Run inputs" })).toBeTruthy();
  });
});
