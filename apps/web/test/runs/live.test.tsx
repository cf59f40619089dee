// The run side against a real server (its own process, temp SQLite, simulated model): the page's
// origin is the server's, so the app's own tRPC client talks to it over HTTP and SSE.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { act, cleanup, configure, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { EventSource } from "eventsource";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const SERVER_DIR = resolve(import.meta.dirname, "../../../server");

const FLOW = `schema: crewai.flow/v1
name: LiveFlow
state:
  type: json_schema
  json_schema:
    type: object
    properties:
      topic: { type: string }
      count: { type: integer }
    required: [topic]
  default: { count: 1 }
methods:
  draft:
    start: true
    do: { call: expression, expr: "'notes on ' + state.topic" }
  route:
    listen: draft
    router: true
    emit: [publish, hold]
    do:
      call: agent
      with:
        role: Editor
        goal: 'Answer publish or hold.'
        backstory: Decides quickly.
        input: "\${outputs.draft}"
  publish_it:
    listen: publish
    do: { call: expression, expr: "'published ' + state.topic" }
  hold_it:
    listen: hold
    do: { call: expression, expr: "'held ' + state.topic" }
`;

const REVIEW = `schema: crewai.flow/v1
name: ReviewLive
state:
  type: dict
  default:
    topic: agents
methods:
  draft:
    start: true
    do:
      call: expression
      expr: "'A post about ' + state.topic"
    human_feedback:
      message: "Review the draft:"
      emit: [approved, rejected]
      default_outcome: rejected
  publish:
    listen: approved
    do:
      call: expression
      expr: "'published: ' + outputs.draft"
`;

/** Steps that hold after the first until the gate file exists, so a test acts while the run surely goes on. */
const STEPS_MODULE = `import { existsSync } from "node:fs";
export async function tick(flow) {
  flow.state.count = (flow.state.count ?? 0) + 1;
  while (flow.state.count > 1 && flow.state.gate && !existsSync(flow.state.gate)) await new Promise((resolve) => setTimeout(resolve, 20));
  return flow.state.count;
}
`;

const SLOW = `schema: crewai.flow/v1
name: SlowLive
state:
  type: json_schema
  json_schema:
    type: object
    properties:
      gate: { type: string }
      count: { type: integer }
  default: { gate: "", count: 0 }
methods:
  one:
    start: true
    do: { ref: ./steps.mjs:tick }
  two:
    listen: one
    do: { ref: ./steps.mjs:tick }
  three:
    listen: two
    do: { ref: ./steps.mjs:tick }
  four:
    listen: three
    do: { ref: ./steps.mjs:tick }
`;

let server: ChildProcess;
let serverUrl: string;
let root: string;
type Modules = {
  runs: typeof import("../../src/runs");
  store: typeof import("../../src/runs/store");
  editor: typeof import("../../src/editor/store");
  client: typeof import("../../src/api/client");
};
let m: Modules;

beforeAll(async () => {
  // findBy…/waitFor here wait for answers of a real server: poll until they come (a loaded machine may
  // take seconds), with the test's timeout as the only bound.
  configure({ asyncUtilTimeout: 600_000 });
  root = mkdtempSync(join(tmpdir(), "crewflow-web-runs-"));
  mkdirSync(join(root, "workspace"));
  writeFileSync(join(root, "workspace", "steps.mjs"), STEPS_MODULE);
  server = spawn(process.execPath, ["--import", "tsx", "test/support/serve.ts", join(root, "data"), join(root, "workspace")], { cwd: SERVER_DIR, stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: server.stdout! });
  const url = await new Promise<string>((done, fail) => {
    lines.on("line", (line) => {
      const parsed = JSON.parse(line) as { url?: string };
      if (parsed.url) done(parsed.url);
    });
    server.once("exit", (code) => fail(new Error(`server exited (${code})`)));
  });
  serverUrl = url;
  // Same origin as the server: the app's client (built from location.origin at import) reaches it.
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`${url}/`);
  (globalThis as unknown as { EventSource: typeof EventSource }).EventSource = EventSource;
  m = {
    runs: await import("../../src/runs"),
    store: await import("../../src/runs/store"),
    editor: await import("../../src/editor/store"),
    client: await import("../../src/api/client"),
  };
}, 600_000); // a hang guard only: the server may start slowly on a loaded machine

afterEach(() => {
  cleanup();
  m?.store.resetRuns();
  history.replaceState(null, "", "/"); // else the next test's panel opens the run the URL names
});

afterAll(() => {
  configure({ asyncUtilTimeout: 1000 });
  server?.kill("SIGTERM");
  rmSync(root, { recursive: true, force: true });
});

function Probe({ methods }: { methods: string[] }) {
  return (
    <ul aria-label="Probe">
      {methods.map((name) => (
        <li key={name}>
          <ProbeItem name={name} />
        </li>
      ))}
    </ul>
  );
}

function ProbeItem({ name }: { name: string }) {
  const status = m.runs.useNodeRunStatus(name);
  return <span data-testid={`status-${name}`}>{status ?? "none"}</span>;
}

function Shell({ methods }: { methods: string[] }) {
  const inspecting = m.runs.useRunInspectorActive();
  return (
    <>
      <m.runs.RunButton />
      <m.runs.RunPanel />
      {inspecting ? <m.runs.RunInspector /> : null}
      <Probe methods={methods} />
      {methods.map((name) => (
        <m.runs.NodeFeedback key={name} method={name} />
      ))}
    </>
  );
}

const statusText = () => screen.queryByRole("region", { name: "Run panel" })?.querySelector(".run-status")?.textContent;

/** Resolves once `read` gives a value; bounded by the test's own timeout, not a clock of its own. */
async function until<T>(read: () => T | null | undefined): Promise<T> {
  for (;;) {
    const value = read();
    if (value !== null && value !== undefined) return value;
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
  }
}

/**
 * Waits on the run's progress, not on a time budget (a loaded machine may take long): the run the panel
 * follows (another than `previous`, after a fork, replay or re-run), the server's long poll until that
 * run is `status`, then the panel showing it.
 */
async function untilRunIs(status: string, previous?: string): Promise<string> {
  const runId = await until(() => {
    const id = m.store.useRuns.getState().runId;
    return id && id !== previous ? id : null;
  });
  for (;;) {
    const run = (await (await fetch(`${serverUrl}/api/runs/${runId}?wait=30`)).json()) as { status: string };
    if (run.status === status) break;
    // Still paused just after the feedback was sent: the server has not taken it up yet.
    if (run.status === "paused") await new Promise((resolve) => setTimeout(resolve, 50));
    else if (run.status !== "running" && run.status !== "queued") throw new Error(`run ${runId} is ${run.status}, not ${status}`);
  }
  await until(() => (statusText() === status ? true : null));
  return runId;
}

async function openEditor(text: string): Promise<string> {
  const created = await m.client.trpc.flows.create.mutate({ text });
  await m.editor.useFlowEditor.getState().openFlow(created.flow.id);
  return created.flow.id;
}

// Hang guards only: every wait inside follows the run's progress.
describe("runs against a real server", { timeout: 600_000 }, () => {
  it("runs from the generated inputs form, follows it live, inspects and forks a step, and shows the lineage", async () => {
    const flowId = await openEditor(FLOW);
    const methods = ["draft", "route", "publish_it", "hold_it"];
    render(<Shell methods={methods} />);

    fireEvent.click(screen.getByRole("button", { name: "Run" }));
    const dialog = screen.getByRole("dialog", { name: "Run inputs" });
    // One control per state field, labelled by its name; the default is filled in.
    expect((within(dialog).getByLabelText(/^count/) as HTMLInputElement).value).toBe("1");
    const topic = within(dialog).getByLabelText(/^topic/) as HTMLInputElement;

    // A required field left empty is caught before anything starts.
    fireEvent.click(within(dialog).getByRole("button", { name: "Start run" }));
    expect(within(dialog).getByRole("alert").textContent).toContain("topic is required");
    expect((await m.client.trpc.runs.list.query({ flowId })).items).toEqual([]);

    fireEvent.change(topic, { target: { value: "robots" } });
    await act(async () => fireEvent.click(within(dialog).getByRole("button", { name: "Start run" })));
    const runId = await untilRunIs("completed");
    expect(screen.queryByRole("dialog", { name: "Run inputs" })).toBeNull();
    expect(location.pathname).toBe(`/flows/${flowId}/runs/${runId}`);
    const run = await m.client.trpc.runs.get.query({ runId });
    expect(run.inputs).toEqual({ topic: "robots", count: 1 });

    // Every method that ran is done, the branch not taken is skipped.
    const taken = run.status === "completed" && screen.getByTestId("status-publish_it").textContent === "done" ? "publish_it" : "hold_it";
    const other = taken === "publish_it" ? "hold_it" : "publish_it";
    expect(["draft", "route", taken, other].map((n) => screen.getByTestId(`status-${n}`).textContent)).toEqual(["done", "done", "done", "skipped"]);
    expect(screen.getByRole("img", { name: "Run timeline" }).querySelectorAll("g[data-method]")).toHaveLength(3);

    // Step 2: its state (from runs.stateAt), its diff from step 1 (runs.diffSteps) and its LLM call.
    fireEvent.click(screen.getByRole("button", { name: "Step 2 route" }));
    expect((screen.getByRole("slider", { name: "Step" }) as HTMLInputElement).value).toBe("2");
    expect(screen.getByTestId(`status-${taken}`).textContent).toBe("none"); // scrubbed back before it ran
    const details = await screen.findByRole("region", { name: "Step details" });
    const state = within(details).getByRole("region", { name: "State after step" });
    await waitFor(() => expect(state.textContent).toContain('"topic": "robots"'));
    const diff = within(details).getByRole("region", { name: "Diff from previous step" });
    await waitFor(() => expect(diff.textContent).not.toContain("Loading"));
    const calls = within(details).getByRole("region", { name: "LLM calls" });
    expect(calls.textContent).toMatch(/LLM calls \(1\)/);
    expect(calls.textContent).toMatch(/tokens/);

    // Fork from step 1 with an edited topic: a new run starts from there and completes.
    fireEvent.click(within(details).getByRole("button", { name: "Fork from step 2" }));
    const fork = await screen.findByRole("dialog", { name: "Fork run" });
    const forkTopic = within(fork).getByLabelText(/^topic/) as HTMLInputElement;
    expect(forkTopic.value).toBe("robots");
    fireEvent.change(forkTopic, { target: { value: "forked robots" } });
    await act(async () => fireEvent.click(within(fork).getByRole("button", { name: "Start fork" })));
    const forkId = await untilRunIs("completed", runId);
    const forked = await m.client.trpc.runs.get.query({ runId: forkId });
    expect(forked.parentRunId).toBe(runId);
    expect(forked.forkPatch).toEqual([{ op: "replace", path: "/topic", value: "forked robots" }]);

    // The lineage tree shows both runs; clicking the parent opens it again.
    const tree = await screen.findByRole("tree");
    await waitFor(() => expect(within(tree).getAllByRole("treeitem")).toHaveLength(2));
    const parentItem = within(tree).getAllByRole("treeitem")[0]!;
    expect(parentItem.getAttribute("aria-label")).toBe(`Run ${runId.replace(/-/g, "").slice(-8)} completed`);
    await act(async () => fireEvent.click(parentItem));
    await waitFor(() => expect(m.store.useRuns.getState().runId).toBe(runId));

    // Compare the two runs step by step.
    fireEvent.click(screen.getByRole("button", { name: "Compare" }));
    const picker = await screen.findByLabelText("Compare with");
    await waitFor(() => expect(within(picker).getAllByRole("option").length).toBe(2));
    await act(async () => fireEvent.change(picker, { target: { value: forkId } }));
    const comparison = await screen.findByRole("region", { name: "Run comparison" });
    expect(comparison.textContent).toContain("route#1");

    // Replay answers from the recorded calls (a new run); re-run starts the version again with the same inputs.
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Replay" })));
    const replay = await m.client.trpc.runs.get.query({ runId: await untilRunIs("completed", runId) });
    expect(replay.replayOf).toBe(runId);
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Re-run" })));
    const again = await m.client.trpc.runs.get.query({ runId: await untilRunIs("completed", replay.runId) });
    expect([again.inputs, again.version, again.parentRunId, again.replayOf]).toEqual([{ topic: "robots", count: 1 }, 1, null, null]);

    // History: every run of the flow, with status, tokens and version.
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Runs" })));
    const runsList = await screen.findByRole("region", { name: "Runs" });
    await waitFor(() => expect(within(runsList).getAllByRole("button", { name: /^Open run / })).toHaveLength(4));
    expect(runsList.textContent).toContain("v1");
  });

  it("asks for human feedback on the paused node and in the panel; sending it resumes the run", async () => {
    await openEditor(REVIEW);
    render(<Shell methods={["draft", "publish"]} />);
    fireEvent.click(screen.getByRole("button", { name: "Run" }));
    const dialog = screen.getByRole("dialog", { name: "Run inputs" });
    // A dict state: its default keys are the fields.
    expect((within(dialog).getByLabelText(/^topic/) as HTMLInputElement).value).toBe("agents");
    await act(async () => fireEvent.click(within(dialog).getByRole("button", { name: "Start run" })));
    const reviewId = await untilRunIs("paused");
    expect(screen.getByTestId("status-draft").textContent).toBe("paused");
    // One form in the node, one in the panel.
    expect(screen.getAllByRole("textbox", { name: "Feedback" })).toHaveLength(2);
    const panel = screen.getByRole("region", { name: "Run panel" });
    fireEvent.change(within(panel).getByRole("textbox", { name: "Feedback" }), { target: { value: "approved" } });
    await act(async () => fireEvent.click(within(panel).getByRole("button", { name: "Send feedback" })));
    expect(await untilRunIs("completed")).toBe(reviewId);
    expect(screen.getByTestId("status-publish").textContent).toBe("done");
    expect(screen.queryByRole("textbox", { name: "Feedback" })).toBeNull();
  });

  it("shows a running method before it ends, and cancels the run", async () => {
    await openEditor(SLOW);
    render(<Shell methods={["one", "two", "three", "four"]} />);
    fireEvent.click(screen.getByRole("button", { name: "Run" }));
    // Step two holds until the gate file exists: it is surely running while the test looks and cancels.
    const gate = join(root, `gate-${Date.now()}`);
    const dialog = screen.getByRole("dialog", { name: "Run inputs" });
    fireEvent.change(within(dialog).getByLabelText(/^gate/), { target: { value: gate } });
    await act(async () => fireEvent.click(within(dialog).getByRole("button", { name: "Start run" })));
    // The live channel says a method started before the store commits anything of it.
    const statuses = () => ["one", "two", "three", "four"].map((n) => screen.getByTestId(`status-${n}`).textContent);
    // The live channel may show two running a moment before the committed log shows one done.
    await until(() => (statuses()[1] === "running" && statuses()[0] === "done" ? true : null));
    expect(statuses().slice(2)).toEqual(["none", "none"]);
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Cancel run" })));
    // The gate opens only once the server took the cancel: else the run could finish before it arrives.
    expect(m.store.useRuns.getState().busy).toBe(true);
    await until(() => (m.store.useRuns.getState().busy ? null : true));
    expect(m.store.useRuns.getState().error).toBeNull();
    writeFileSync(gate, "open");
    await untilRunIs("cancelled");
    // The step under way is shown stopped with the run, not running on.
    expect(statuses()[1]).toBe("stopped");
    expect(statuses()).not.toContain("running");
    expect(statuses()[3]).toBe("skipped"); // never reached
    expect((screen.getByRole("button", { name: "Cancel run" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("opens a past run on the canvas of its version, read-only", async () => {
    const flowId = await openEditor(FLOW.replace("name: LiveFlow", "name: VersionedFlow"));
    render(<Shell methods={["draft", "route", "publish_it", "hold_it"]} />);
    const { runId } = await m.client.trpc.runs.start.mutate({ flowId, inputs: { topic: "old" } });
    const v1 = await m.client.trpc.flows.get.query({ flowId });
    await m.client.trpc.flows.save.mutate({ flowId, baseVersion: 1, text: v1.text.replace("'notes on '", "'notes about '") });
    await m.editor.useFlowEditor.getState().openFlow(flowId);
    expect(m.editor.useFlowEditor.getState().version).toBe(2);

    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Runs" })));
    const list = await screen.findByRole("region", { name: "Runs" });
    const open = await within(list).findByRole("button", { name: `Open run ${runId.replace(/-/g, "").slice(-8)}` });
    await act(async () => fireEvent.click(open));
    await waitFor(() => expect(m.editor.useFlowEditor.getState().version).toBe(1));
    expect(m.editor.useFlowEditor.getState().readOnly).toBe(true);
    expect(location.pathname).toBe(`/flows/${flowId}/runs/${runId}`);
    await untilRunIs("completed");
    expect(screen.getByTestId("status-draft").textContent).toBe("done");
  });
});
