// The flow catalog under hostile use. Two server processes on one database save the same flow from the
// same base version, round after round: exactly one save wins each round, the others get 409, and no
// save vanishes. A run whose persisted state claims the catalog's old reserved id cannot touch any flow.
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TRPCClientError } from "@trpc/client";
import { afterAll, describe, expect, it } from "vitest";
import { QUICK_FLOW } from "./support/fixtures";
import { type Client, makeClient, removeDir, startServer, waitForRun } from "./support/server";
import { spawnServer } from "./support/process";

const root = mkdtempSync(join(tmpdir(), "crewflow-catalog-"));
afterAll(() => removeDir(root));


const ROUNDS = 40;
const SAVERS_PER_SERVER = 2;

const textFor = (round: number, who: string) => `${QUICK_FLOW.trimEnd()}\ndescription: round ${round} by ${who}\n`;

async function outcome(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (err) {
    return err instanceof TRPCClientError ? ((err.data as { httpStatus?: number } | undefined)?.httpStatus ?? 599) : 599;
  }
}

describe("the flow catalog", () => {
  it("lets exactly one of many concurrent saves from one base version win, across two server processes", async () => {
    const dataDir = join(root, "cas", "data");
    const workspace = join(root, "cas", "workspace");
    mkdirSync(workspace, { recursive: true });
    const servers = await Promise.all([spawnServer(dataDir, workspace), spawnServer(dataDir, workspace)]);
    const clients: Client[] = servers.map((s) => makeClient(s.url));
    const { flow } = await clients[0]!.flows.create.mutate({ text: QUICK_FLOW });

    let saved = 0;
    for (let round = 1; round <= ROUNDS; round += 1) {
      const base = (await clients[round % 2]!.flows.get.query({ flowId: flow.id })).version.number;
      const savers = clients.flatMap((client, s) =>
        Array.from({ length: SAVERS_PER_SERVER }, (_, i) => ({ client, who: `server${s}-${i}` })),
      );
      const results = await Promise.all(
        savers.map(({ client, who }) => outcome(client.flows.save.mutate({ flowId: flow.id, baseVersion: base, text: textFor(round, who) }))),
      );
      expect(results.filter((r) => r === 200), `round ${round}: ${results.join(", ")}`).toHaveLength(1);
      expect(results.filter((r) => r !== 200).every((r) => r === 409), `round ${round}: ${results.join(", ")}`).toBe(true);
      saved += 1;
      // The winner's text is the head, as both servers see it: no save vanished.
      const winner = savers[results.indexOf(200)]!.who;
      for (const client of clients) expect((await client.flows.get.query({ flowId: flow.id })).text).toBe(textFor(round, winner));
    }
    expect(saved).toBe(ROUNDS);
  });

  it("cannot be touched by a run whose persisted state uses the catalog's old reserved id", async () => {
    const server = await startServer({}, join(root, "reserved"));
    try {
      const client = server.client;
      const { flow: victim } = await client.flows.create.mutate({ text: QUICK_FLOW.replace(/^name: .*$/m, "name: Victim") });
      const { flow: victim2 } = await client.flows.save.mutate({ flowId: victim.id, baseVersion: 1, text: `${QUICK_FLOW.replace(/^name: .*$/m, "name: Victim").trimEnd()}\ndescription: v2\n` });
      expect(victim2.head.number).toBe(2);
      const attacker = `schema: crewai.flow/v1
name: CatalogAttacker
state:
  type: dict
  default: {id: "crewflow.server/flow/${victim.id}", head: "nope", deleted: true, deletedAt: "2020-01-01T00:00:00Z"}
persist: {enabled: true}
methods:
  write:
    start: true
    do: {call: expression, expr: "'written'"}
`;
      const { flow } = await client.flows.create.mutate({ text: attacker });
      const { runId } = await client.runs.start.mutate({ flowId: flow.id });
      expect((await waitForRun(client, runId)).status).toBe("completed");
      const after = await client.flows.get.query({ flowId: victim.id });
      expect(after.flow.deleted).toBe(false);
      expect(after.flow.head.number).toBe(2);
      expect((await client.flows.list.query({})).items.map((f) => f.name)).toContain("Victim");
    } finally {
      await server.close();
    }
  });
});
