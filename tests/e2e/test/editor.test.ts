// Building a flow on the canvas, and undo/redo and copy/paste, each
// checked in the page and in what the server saved (tRPC flows.get).
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { createFlow, savedFlow } from "../src/flows";
import { useSuite } from "../src/suite";
import {
  PROGRESS_MS,
  canvas,
  connect,
  distanceFromNode,
  dropFromPalette,
  inspector,
  nodeIds,
  region,
  save,
  selectNode,
  topButton,
  valueOf,
  waitForNode,
  waitForVersion,
} from "../src/ui";

const suite = useSuite(import.meta.filename);

/** Each node is a group named "<method> (<kind>)"; a listener's kind names its action (a new one's is an expression). */
async function expectNodeLabels(page: Page): Promise<void> {
  for (const label of ["start_1 (start)", "crew_1 (crew)", "router_1 (router)"])
    expect(await page.getByRole("group", { name: label, exact: true }).count(), `a node named "${label}"`).toBe(1);
  expect(await page.getByRole("group", { name: /^listen_1 \(.+\)$/ }).count(), 'a node named "listen_1 (…)"').toBe(1);
}

describe("the canvas editor", () => {
  it("(1) builds start → crew → router → listener from the palette, fills the crew, saves, and finds it all after a reload", async () => {
    const { flow } = await suite.api.flows.create.mutate({ name: "E2E Palette Flow" });
    const page = await suite.open(`/flows/${flow.id}`);
    await canvas(page).waitFor({ state: "visible", timeout: PROGRESS_MS });
    const before = await nodeIds(page);

    // Real HTML5 drags from the palette, each onto its own spot of the canvas, where the node lands.
    const drops: [string, string, { x: number; y: number }][] = [
      ["Start", "start_1", { x: 0.12, y: 0.15 }],
      ["Crew", "crew_1", { x: 0.12, y: 0.7 }],
      ["Router", "router_1", { x: 0.5, y: 0.15 }],
      ["Listen", "listen_1", { x: 0.8, y: 0.7 }],
    ];
    for (const [kind, method, at] of drops) {
      const point = await dropFromPalette(page, kind, at);
      await waitForNode(page, method);
      expect(await distanceFromNode(page, method, point), `${method} lands at the drop point`).toBeLessThan(30);
    }
    expect(await nodeIds(page)).toEqual([...before, "crew_1", "listen_1", "router_1", "start_1"].sort());
    await expectNodeLabels(page);
    await expect.poll(() => page.getByLabel("Unsaved changes", { exact: true }).isVisible()).toBe(true);

    // The router's labels come first: each label is a source handle to connect from.
    await selectNode(page, "router_1");
    const panel = inspector(page);
    await panel.getByRole("button", { name: "Add emit label", exact: true }).waitFor({ timeout: PROGRESS_MS });
    while ((await panel.getByLabel(/^Emit label \d+$/).count()) < 2) await panel.getByRole("button", { name: "Add emit label", exact: true }).click();
    await panel.getByLabel("Emit label 1", { exact: true }).fill("approved");
    await panel.getByLabel("Emit label 2", { exact: true }).fill("rejected");

    // The crew: one agent, one task done by that agent.
    await selectNode(page, "crew_1");
    if ((await panel.getByLabel("Agent 1 role", { exact: true }).count()) === 0) await panel.getByRole("button", { name: "Add agent", exact: true }).click();
    await panel.getByLabel("Agent 1 role", { exact: true }).fill("Research analyst");
    await panel.getByLabel("Agent 1 goal", { exact: true }).fill("Find the three strongest sources on {topic}");
    await panel.getByLabel("Agent 1 backstory", { exact: true }).fill("Twenty years of library science.");
    await panel.getByLabel("Agent 1 LLM", { exact: true }).fill("gpt-4.1-mini");
    if ((await panel.getByLabel("Task 1 description", { exact: true }).count()) === 0) await panel.getByRole("button", { name: "Add task", exact: true }).click();
    await panel.getByLabel("Task 1 description", { exact: true }).fill("List sources about {topic}.");
    await panel.getByLabel("Task 1 expected output", { exact: true }).fill("Three sources with one line each.");
    const taskAgent = panel.getByLabel("Task 1 agent", { exact: true });
    const agentOption = await taskAgent.evaluate((el) => Array.from((el as HTMLSelectElement).options).findIndex((o) => o.value !== ""));
    expect(agentOption, "the Task 1 agent select offers the crew's agent").toBeGreaterThanOrEqual(0);
    await taskAgent.selectOption({ index: agentOption });

    // Handle to handle: start → crew → router, and the router's "approved" label → the listener.
    await connect(page, { method: "start_1", handle: "out" }, { method: "crew_1", handle: "in" });
    await connect(page, { method: "crew_1", handle: "out" }, { method: "router_1", handle: "in" });
    await connect(page, { method: "router_1", handle: "emit:approved" }, { method: "listen_1", handle: "in" });

    await save(page);
    await waitForVersion(page, 2);

    // What the server stored (the API), independent of the page.
    const saved = await savedFlow(suite.api, flow.id);
    expect(saved.version).toBe(2);
    const m = saved.methods;
    expect(Boolean(m.start_1?.start)).toBe(true);
    expect(m.crew_1?.listen).toBe("start_1");
    expect(m.router_1?.listen).toBe("crew_1");
    expect(Boolean(m.router_1?.router)).toBe(true);
    expect(m.router_1?.emit).toEqual(["approved", "rejected"]);
    expect(m.listen_1?.listen).toBe("approved");
    const crew = m.crew_1?.do;
    expect(crew?.call).toBe("crew");
    const crewWith = crew?.call === "crew" ? crew.with : null;
    const agents = Object.entries(crewWith?.agents ?? {});
    expect(agents).toHaveLength(1);
    const [agentName, agent] = agents[0]!;
    expect(agent).toMatchObject({ role: "Research analyst", goal: "Find the three strongest sources on {topic}", backstory: "Twenty years of library science." });
    expect(JSON.stringify(agent.llm)).toContain("gpt-4.1-mini");
    expect(crewWith?.tasks).toHaveLength(1);
    expect(crewWith?.tasks?.[0]).toMatchObject({ description: "List sources about {topic}.", expected_output: "Three sources with one line each.", agent: agentName });
    for (const name of ["start_1", "crew_1", "router_1", "listen_1"]) expect(saved.layout[name], `x-crewflow position of ${name}`).toEqual(expect.objectContaining({ x: expect.any(Number), y: expect.any(Number) }));

    // A reload shows the same flow: nodes, kinds, the crew's fields, the router's labels, the listener.
    await page.reload();
    await waitForNode(page, "listen_1");
    expect(await nodeIds(page)).toEqual([...before, "crew_1", "listen_1", "router_1", "start_1"].sort());
    await waitForVersion(page, 2);
    expect(await page.getByLabel("Unsaved changes", { exact: true }).isVisible()).toBe(false);
    await expectNodeLabels(page);
    expect(await page.locator('.react-flow__node[data-id="router_1"] .react-flow__handle[data-handleid^="emit:"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-handleid")))).toEqual(["emit:approved", "emit:rejected"]);
    expect(await page.locator(".react-flow__edge").count()).toBeGreaterThanOrEqual(3);

    await selectNode(page, "crew_1");
    expect(await valueOf(panel.getByLabel("Listens to", { exact: true }).first())).toContain("start_1");
    expect(await valueOf(panel.getByLabel("Agent 1 role", { exact: true }))).toBe("Research analyst");
    expect(await valueOf(panel.getByLabel("Task 1 description", { exact: true }))).toBe("List sources about {topic}.");
    await selectNode(page, "router_1");
    expect(await valueOf(panel.getByLabel("Emit label 1", { exact: true }))).toBe("approved");
    expect(await valueOf(panel.getByLabel("Emit label 2", { exact: true }))).toBe("rejected");
    await selectNode(page, "listen_1");
    expect(await valueOf(panel.getByLabel("Listens to", { exact: true }).first())).toContain("approved");
  });

  it("(5) copy/paste, undo and redo change the saved definition as expected", async () => {
    const flowId = await createFlow(
      suite.api,
      `schema: crewai.flow/v1
name: E2E Clipboard Flow
methods:
  begin:
    start: true
    do: {call: expression, expr: "'hello'"}
  shout:
    listen: begin
    do: {call: expression, expr: "outputs.begin + '!'"}
x-crewflow:
  nodes:
    begin: {x: 0, y: 0}
    shout: {x: 0, y: 220}
`,
    );
    const original = await savedFlow(suite.api, flowId);
    const page = await suite.open(`/flows/${flowId}`);
    await waitForNode(page, "shout");
    expect(await nodeIds(page)).toEqual(["begin", "shout"]);

    // Copy the selected node and paste it: a third method with shout's action.
    await selectNode(page, "shout");
    await page.keyboard.press("Control+c");
    await page.keyboard.press("Control+v");
    await expect.poll(() => nodeIds(page)).toHaveLength(3);
    const pasted = (await nodeIds(page)).find((id) => id !== "begin" && id !== "shout")!;
    await save(page);
    let saved = await savedFlow(suite.api, flowId);
    await waitForVersion(page, saved.version);
    expect(Object.keys(saved.methods).sort()).toEqual(["begin", pasted, "shout"].sort());
    expect(saved.methods[pasted]?.do).toEqual(original.methods.shout?.do);
    expect(saved.methods.begin).toEqual(original.methods.begin);

    // Undo (Ctrl+Z) takes the paste back; the saved definition is the original again.
    await page.keyboard.press("Control+z");
    await expect.poll(() => nodeIds(page)).toEqual(["begin", "shout"]);
    await save(page);
    saved = await savedFlow(suite.api, flowId);
    await waitForVersion(page, saved.version);
    expect(saved.methods).toEqual(original.methods);

    // Redo (the button) brings it back under the same name.
    await topButton(page, "Redo").click();
    await expect.poll(() => nodeIds(page)).toEqual(["begin", pasted, "shout"].sort());
    await save(page);
    saved = await savedFlow(suite.api, flowId);
    await waitForVersion(page, saved.version);
    expect(Object.keys(saved.methods).sort()).toEqual(["begin", pasted, "shout"].sort());
    expect(saved.methods[pasted]?.do).toEqual(original.methods.shout?.do);

    // A palette click adds a node; Undo (button) removes it, Ctrl+Shift+Z restores it, Ctrl+Z removes it again.
    await region(page, "Palette").getByRole("button", { name: "Add Expression", exact: true }).click();
    await waitForNode(page, "expression_1");
    await topButton(page, "Undo").click();
    await expect.poll(() => nodeIds(page)).toEqual(["begin", pasted, "shout"].sort());
    await page.keyboard.press("Control+Shift+z");
    await waitForNode(page, "expression_1");
    await save(page);
    saved = await savedFlow(suite.api, flowId);
    await waitForVersion(page, saved.version);
    expect(saved.methods.expression_1?.do.call).toBe("expression");
    await page.keyboard.press("Control+z");
    await expect.poll(() => nodeIds(page)).toEqual(["begin", pasted, "shout"].sort());
    await save(page);
    saved = await savedFlow(suite.api, flowId);
    await waitForVersion(page, saved.version);
    expect(Object.keys(saved.methods).sort()).toEqual(["begin", pasted, "shout"].sort());
    expect(saved.methods.shout).toEqual(original.methods.shout);
  });
});
