// The flow list and the version history load a page at a time: "Load more" reaches every item, each
// once, and asks the API for the next page with the cursor it gave.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

interface Call {
  path: string;
  input: { limit?: number; cursor?: string | undefined; flowId?: string };
}

const calls: Call[] = [];
const FLOWS = Array.from({ length: 500 }, (_, i) => {
  const number = (i % 3) + 1;
  return {
    id: `flow-${i}`,
    name: `Flow ${String(i).padStart(3, "0")}`,
    deleted: false,
    deletedAt: null,
    createdAt: "2031-01-01T00:00:00.000Z",
    head: { id: `v-${i}`, number, hash: "h", createdAt: "2031-01-02T00:00:00.000Z" },
    versionCount: number,
    revision: 0,
  };
});
const VERSIONS = Array.from({ length: 120 }, (_, i) => ({ id: `ver-${120 - i}`, number: 120 - i, hash: "h", createdAt: "2031-01-02T00:00:00.000Z" }));

/** A page of `items` after `cursor` (here simply the index to start at), as the server answers. */
function page<T>(items: readonly T[], input: Call["input"]) {
  const from = input.cursor ? Number(input.cursor) : 0;
  const limit = input.limit ?? 50;
  const next = from + limit;
  return { items: items.slice(from, next), nextCursor: next < items.length ? String(next) : null };
}

vi.mock(import("../../src/api/client"), async (original) => ({
  ...(await original()),
  trpc: {
    flows: {
      list: {
        query: async (input: Call["input"]) => {
          calls.push({ path: "flows.list", input });
          return page(FLOWS, input);
        },
      },
      versions: {
        query: async (input: Call["input"]) => {
          calls.push({ path: "flows.versions", input });
          return { flow: { ...FLOWS[0]!, head: { ...VERSIONS[0]! }, versionCount: 120 }, ...page(VERSIONS, input) };
        },
      },
      diffVersions: { query: async () => ({ from: VERSIONS[1], to: VERSIONS[0], changed: false, patch: [], delta: null }) },
    },
  } as unknown as (typeof import("../../src/api/client"))["trpc"],
}));

const { FlowListPage, FLOW_PAGE } = await import("../../src/editor/FlowListPage");
const { HistoryDialog, VERSION_PAGE } = await import("../../src/editor/dialogs/HistoryDialog");
const { useFlowEditor } = await import("../../src/editor/store");

beforeEach(() => {
  calls.length = 0;
});
afterEach(cleanup);

describe("paged lists", () => {
  it("the flow list shows the first page and reaches all 500 flows with Load more", async () => {
    render(<FlowListPage />);
    const table = await screen.findByRole("table", { name: "Flows" });
    await waitFor(() => expect(within(table).getAllByRole("link")).toHaveLength(FLOW_PAGE));
    expect(calls).toEqual([{ path: "flows.list", input: { limit: FLOW_PAGE, cursor: undefined } }]);

    for (let loaded = FLOW_PAGE; loaded < FLOWS.length; loaded += FLOW_PAGE) {
      await act(async () => fireEvent.click(screen.getByRole("button", { name: "Load more flows" })));
      await waitFor(() => expect(within(table).getAllByRole("link")).toHaveLength(Math.min(loaded + FLOW_PAGE, FLOWS.length)));
    }
    const names = within(table)
      .getAllByRole("link")
      .map((a) => a.textContent);
    expect(names).toEqual(FLOWS.map((f) => f.name));
    expect(screen.queryByRole("button", { name: "Load more flows" })).toBeNull();
    expect(calls.map((c) => c.input.cursor)).toEqual([undefined, "100", "200", "300", "400"]);
  });

  it("the version history lists versions newest first and loads older ones", async () => {
    useFlowEditor.setState({ flowId: "flow-0" });
    render(<HistoryDialog onClose={() => undefined} />);
    const list = await screen.findByRole("list", { name: "Versions" });
    await waitFor(() => expect(within(list).getAllByRole("button", { name: /^Version / })).toHaveLength(VERSION_PAGE));
    expect(within(list).getAllByRole("button", { name: /^Version / })[0]!.textContent).toContain("v120 (latest)");

    fireEvent.click(within(list).getByRole("button", { name: "Load older versions" }));
    await waitFor(() => expect(within(list).getAllByRole("button", { name: /^Version / })).toHaveLength(2 * VERSION_PAGE));
    fireEvent.click(within(list).getByRole("button", { name: "Load older versions" }));
    await waitFor(() => expect(within(list).getAllByRole("button", { name: /^Version / })).toHaveLength(120));
    expect(within(list).queryByRole("button", { name: "Load older versions" })).toBeNull();
    const numbers = within(list)
      .getAllByRole("button", { name: /^Version / })
      .map((b) => Number(b.getAttribute("aria-label")!.slice("Version ".length)));
    expect(numbers).toEqual(VERSIONS.map((v) => v.number));
    expect(calls.map((c) => [c.path, c.input.flowId, c.input.cursor])).toEqual([
      ["flows.versions", "flow-0", undefined],
      ["flows.versions", "flow-0", "50"],
      ["flows.versions", "flow-0", "100"],
    ]);
  });
});
