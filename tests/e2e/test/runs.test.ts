// A run started from the generated inputs form lights the nodes up
// live, a step shows its state and diff, and a fork from step 2 with an edited value runs to the end
// and joins the lineage tree. The crew's model is a local OpenAI-compatible server that answers after
// a pause, so "running" lasts long enough for a person (and this test) to see it.
import { FakeOpenAI } from "@crewflow/crews/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createFlow, liveRunFlowText, waitForRunEnd } from "../src/flows";
import { useSuite } from "../src/suite";
import { PROGRESS_MS, nodeStatuses, recordStatuses, region, statusHistory, topButton, valueOf, waitForNode } from "../src/ui";

const MODEL_DELAY_MS = 2_000;
const FINDINGS = "1. Soil sensors. 2. Cheap qubits. 3. Patience.";

let fake: FakeOpenAI | undefined;
const suite = useSuite(import.meta.filename, async () => {
  fake = await FakeOpenAI.start(() => ({ content: FINDINGS, delayMs: MODEL_DELAY_MS }));
  return { openaiBaseURL: fake.url, allowScripts: true };
});
afterAll(async () => fake?.close());

const METHODS = ["crew_1", "draft", "listen_1", "router_1", "start_1"];

describe("runs in the editor", () => {
  it("(2) runs with inputs from the generated form, lights nodes up live, and shows step 2's state and diff", async () => {
    const flowId = await createFlow(suite.api, liveRunFlowText("E2E Live Run"));
    const page = await suite.open(`/flows/${flowId}`);
    await waitForNode(page, "listen_1");
    await recordStatuses(page);

    await topButton(page, "Run").click();
    const form = page.getByRole("dialog", { name: "Run inputs", exact: true });
    await form.getByLabel("topic", { exact: true }).fill("quantum gardening");
    await form.getByRole("button", { name: "Start run", exact: true }).click();

    // Live: while the crew waits on the model its node is running and the ones before it are done.
    await expect.poll(async () => (await statusHistory(page)).crew_1 ?? [], { timeout: PROGRESS_MS }).toContain("running");
    const during = await nodeStatuses(page);
    expect(during.crew_1, "crew_1 while the model is still answering").toBe("running");
    expect(during.start_1).toBe("done");
    expect(during.draft).toBe("done");
    expect(during.listen_1).not.toBe("done");
    const panel = region(page, "Run panel");
    expect(await panel.textContent()).toMatch(/running/);

    await panel.getByText("completed").first().waitFor({ timeout: PROGRESS_MS });
    await expect.poll(() => nodeStatuses(page), { timeout: PROGRESS_MS }).toEqual(Object.fromEntries(METHODS.map((m) => [m, "done"])));
    const history = await statusHistory(page);
    expect(history.crew_1, "crew_1's statuses as the page showed them").toEqual(["running", "done"]);

    // The server ran what the form sent.
    const runs = await suite.api.runs.list.query({ flowId });
    expect(runs.items).toHaveLength(1);
    const run = runs.items[0]!;
    expect(run.status).toBe("completed");
    expect(run.inputs).toMatchObject({ topic: "quantum gardening" });
    const atStep2 = await suite.api.runs.stateAt.query({ runId: run.runId, at: { step: 2 } });
    expect(atStep2.step?.method).toBe("draft");
    expect(atStep2.state).toMatchObject({ topic: "quantum gardening", summary: "draft about quantum gardening" });

    // Step 2 (the script) in the step inspector: its state, and the diff from step 1 (summary changed).
    await page.getByRole("button", { name: "Step 2 draft", exact: true }).click();
    const details = region(page, "Step details");
    const state = details.getByRole("region", { name: "State after step", exact: true });
    await expect.poll(() => state.textContent(), { timeout: PROGRESS_MS }).toContain("draft about quantum gardening");
    expect(await state.textContent()).toContain("topic");
    const diff = details.getByRole("region", { name: "Diff from previous step", exact: true });
    await expect.poll(() => diff.textContent(), { timeout: PROGRESS_MS }).toContain("draft about quantum gardening");
    const diffText = (await diff.textContent()) ?? "";
    expect(diffText).toContain("summary");
    expect(diffText, "the diff lists what changed, not the unchanged topic").not.toContain("topic");
  });

  it("(3) forks from step 2 with an edited state value; the fork completes and the lineage tree shows both runs", async () => {
    const flowId = await createFlow(suite.api, liveRunFlowText("E2E Fork Flow"));
    const { runId } = await suite.api.runs.start.mutate({ flowId, inputs: { topic: "tidal power" } });
    expect((await waitForRunEnd(suite.api, runId)).status).toBe("completed");
    const step2 = (await suite.api.runs.steps.query({ runId }))[1]!;
    expect(step2.method).toBe("draft");

    const page = await suite.open(`/flows/${flowId}/runs/${runId}`);
    await waitForNode(page, "draft");
    await page.getByRole("button", { name: "Step 2 draft", exact: true }).click();
    await page.getByRole("button", { name: "Fork from step 2", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Fork run", exact: true });
    const topic = dialog.getByLabel("topic", { exact: true });
    // The editor starts from the state after step 2.
    await expect.poll(() => valueOf(topic)).toBe("tidal power");
    await topic.fill("solar sails");
    await dialog.getByRole("button", { name: "Start fork", exact: true }).click();

    // The fork exists on the server, continues from step 2 with the edited value, and completes.
    await expect.poll(async () => (await suite.api.runs.list.query({ flowId })).items.length, { timeout: PROGRESS_MS }).toBe(2);
    const fork = (await suite.api.runs.list.query({ flowId })).items.find((r) => r.runId !== runId)!;
    expect(fork.parentRunId).toBe(runId);
    expect(fork.parentSeq).toBe(step2.seq);
    expect((await waitForRunEnd(suite.api, fork.runId)).status).toBe("completed");
    const forkState = await suite.api.runs.stateAt.query({ runId: fork.runId });
    expect(forkState.state).toMatchObject({ topic: "solar sails", summary: "draft about tidal power" });

    // The lineage tree shows both, each completed; clicking the parent opens it.
    const lineage = region(page, "Lineage");
    const completed = lineage.getByRole("tree").getByRole("treeitem", { name: /^Run \S+ completed$/ });
    await expect.poll(() => completed.count(), { timeout: PROGRESS_MS }).toBe(2);
    const shortIds = (await completed.evaluateAll((els) => els.map((el) => el.getAttribute("aria-label") ?? ""))).map((name) => name.split(" ")[1] ?? "");
    // A short id is any 6+ character piece of the run id (its hex digits).
    const owner = (short: string) => [runId, fork.runId].filter((id) => short.length >= 6 && id.replace(/-/g, "").includes(short.replace(/-/g, "")));
    expect(shortIds.map((s) => owner(s).length), `short ids ${shortIds.join(", ")} each name one run`).toEqual([1, 1]);
    expect(new Set(shortIds.flatMap(owner))).toEqual(new Set([runId, fork.runId]));

    const parentItem = completed.nth(shortIds.findIndex((s) => owner(s)[0] === runId));
    // On its own first line: a child item sits inside its parent's box.
    await parentItem.click({ position: { x: 12, y: 8 } });
    await expect.poll(() => new URL(page.url()).pathname.split("/")).toEqual(["", "flows", flowId, "runs", runId]);
  });
});
