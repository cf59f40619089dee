// Issue #7 acceptance (4): CrewAI's own flow_definition_example.yaml, imported through the UI, run with
// the simulated model, exported through the UI, and the exported file validated by the CLI
// (`crewflow validate`). It reads ../shared, so it belongs to `pnpm test:crewai` (spec/crewflow-decisions.md).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadDefinitionText } from "@crewflow/definition";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { waitForRunEnd } from "../src/flows";
import { REPO_ROOT } from "../src/paths";
import { useSuite } from "../src/suite";
import { nodeIds, nodeStatuses, region, topButton, waitForNode } from "../src/ui";

const SHARED = resolve(process.env.CREWFLOW_SHARED ?? join(REPO_ROOT, "../shared"));
const EXAMPLE = join(SHARED, "crewai-examples", "crewai-flow-templates__flow_definition_example.yaml");
if (!existsSync(EXAMPLE)) throw new Error(`CrewAI example not found at ${EXAMPLE}; set CREWFLOW_SHARED to the shared folder`);

const suite = useSuite(import.meta.filename); // the simulated model: no OPENAI_* reaches the server
const downloads = mkdtempSync(join(tmpdir(), "crewflow-e2e-export-"));
afterAll(() => rmSync(downloads, { recursive: true, force: true }));

/** Clicks an import button and gives it the file, as a person would: in the file chooser, or in its dialog. */
async function importFile(page: Page, button: string, file: string): Promise<void> {
  const chooser = page.waitForEvent("filechooser", { timeout: 10_000 });
  await page.getByRole("button", { name: button, exact: true }).click();
  const dialog = page.getByRole("dialog");
  const opened = await Promise.race([chooser, dialog.first().waitFor({ timeout: 10_000 }).then(() => null)]);
  chooser.catch(() => undefined);
  if (opened) return opened.setFiles(file);
  const picker = dialog.locator('input[type="file"]');
  if ((await picker.count()) > 0) {
    await picker.first().setInputFiles(file);
    // The dialog reads the file into its text box before importing it.
    const text = dialog.getByRole("textbox").first();
    if ((await text.count()) > 0) await expect.poll(() => text.inputValue()).not.toBe("");
  } else {
    await dialog.getByRole("textbox").first().fill(readFileSync(file, "utf8"));
  }
  await dialog.getByRole("button", { name: /^import/i }).last().click();
}

/** Clicks Export and saves the file it downloads (at once, or from the link or button of its dialog). */
async function exportFile(page: Page, directory: string): Promise<string> {
  const download = page.waitForEvent("download", { timeout: 20_000 });
  await topButton(page, "Export").click();
  const dialog = page.getByRole("dialog");
  const first = await Promise.race([download, dialog.first().waitFor({ timeout: 10_000 }).then(() => null)]);
  if (!first) await dialog.getByRole("link", { name: /download/i }).or(dialog.getByRole("button", { name: /download/i })).first().click();
  const done = first ?? (await download);
  const file = join(directory, done.suggestedFilename() || "flow.yaml");
  await done.saveAs(file);
  return file;
}

describe("CrewAI YAML in and out", () => {
  it("(4) imports flow_definition_example.yaml, runs it with the simulated model, exports it, and the export validates", async () => {
    const source = loadDefinitionText(readFileSync(EXAMPLE, "utf8"));
    expect(source.definition?.name).toBe("ResearchReviewFlow");

    const page = await suite.open("/");
    await importFile(page, "Import CrewAI YAML", EXAMPLE);
    await waitForNode(page, "route_followup", 20_000);
    expect(await nodeIds(page)).toEqual(["research_brief", "route_followup", "write_followup"]);
    const flow = (await suite.api.flows.list.query({ limit: 200 })).items.find((f) => f.name === "ResearchReviewFlow");
    expect(flow, "the imported flow is on the server").toBeDefined();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/flows/${flow!.id}`);

    // Run it: the form has the state's two fields.
    await topButton(page, "Run").click();
    const form = page.getByRole("dialog", { name: "Run inputs", exact: true });
    await form.getByLabel("topic", { exact: true }).fill("edge inference");
    await form.getByLabel("audience", { exact: true }).fill("hardware startups");
    await form.getByRole("button", { name: "Start run", exact: true }).click();
    await region(page, "Run panel").getByText("completed").first().waitFor({ timeout: 30_000 });

    const runs = await suite.api.runs.list.query({ flowId: flow!.id });
    expect(runs.items).toHaveLength(1);
    const run = await waitForRunEnd(suite.api, runs.items[0]!.runId);
    expect(run.status).toBe("completed");
    expect(run.inputs).toMatchObject({ topic: "edge inference", audience: "hardware startups" });
    expect(run.llmCalls).toBeGreaterThanOrEqual(3); // two crew tasks and the router's agent
    const steps = await suite.api.runs.steps.query({ runId: run.runId });
    const route = steps.find((s) => s.method === "route_followup");
    expect(["followup", "done"]).toContain(route?.label);
    const ran = steps.map((s) => s.method);
    expect(ran).toEqual(route?.label === "followup" ? ["research_brief", "route_followup", "write_followup"] : ["research_brief", "route_followup"]);
    const statuses = await nodeStatuses(page);
    for (const method of ran) expect(statuses[method], `${method} on the canvas`).toBe("done");

    // Export through the UI, then `crewflow validate` the downloaded file.
    const file = await exportFile(page, downloads);
    const exported = loadDefinitionText(readFileSync(file, "utf8"));
    expect(exported.errors).toEqual([]);
    expect(exported.definition?.name).toBe("ResearchReviewFlow");
    expect(exported.definition?.methods).toEqual(source.definition?.methods);
    expect(exported.definition?.state).toEqual(source.definition?.state);

    const validate = spawnSync(process.execPath, ["--import", "tsx", "packages/cli/src/bin.ts", "validate", file], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(validate.status, `crewflow validate ${file}:\n${validate.stdout}${validate.stderr}`).toBe(0);
    expect(`${validate.stdout}${validate.stderr}`).toMatch(/: valid \(0 error\(s\)/);
  });
});
