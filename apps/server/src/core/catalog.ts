// Flows and their versions as the API shows them, over the store's catalog (flows, immutable
// content-addressed versions, the head a save must be based on, the deleted flag, and a revision that
// every change compare-and-swaps on). Nothing here keeps state of its own.
import type { FlowSummary, Page, PageRequest, RunStore } from "@crewflow/runtime";
import type { FlowRecord, FlowVersionInfo } from "@crewflow/store-prisma";

export type VersionInfo = FlowVersionInfo;

export interface FlowInfo {
  id: string;
  name: string;
  deleted: boolean;
  deletedAt: string | null;
  createdAt: string;
  /** The version a save must be based on (the last one saved). */
  head: VersionInfo;
  versionCount: number;
  /** The catalog revision this view was read at: a change must name it (compare-and-swap). */
  revision: number;
}

function summaryInfo(row: FlowSummary): FlowInfo {
  const { id, name, deletedAt, createdAt, head, versionCount, revision } = row;
  return { id, name, deleted: deletedAt !== null, deletedAt, createdAt, head, versionCount, revision };
}

function info(row: FlowRecord): FlowInfo | null {
  const versions = row.versions;
  if (versions.length === 0) return null;
  // A head that names no version (its save died between the two writes) falls back to the latest.
  const head = versions.find((v) => v.id === row.headVersionId) ?? versions[versions.length - 1]!;
  return {
    id: row.id,
    name: row.name,
    deleted: row.deletedAt !== null,
    deletedAt: row.deletedAt,
    createdAt: row.createdAt,
    head,
    versionCount: versions.length,
    revision: row.revision,
  };
}

export class FlowCatalog {
  constructor(private readonly store: RunStore) {}

  /** One page of flows (deleted ones only when asked), by name. */
  async list(filter: PageRequest & { includeDeleted: boolean }): Promise<Page<FlowInfo>> {
    const page = await this.store.flowsPage(filter);
    return { items: page.items.map(summaryInfo), nextCursor: page.nextCursor };
  }

  /** A flow by id, or (for the HTTP API) by name; deleted flows included. */
  async find(idOrName: string): Promise<FlowInfo | null> {
    const row = await this.store.findFlow(idOrName);
    return row ? info(row) : null;
  }

  /** One page of a flow's versions, newest first. */
  versions(flowId: string, page: PageRequest): Promise<Page<VersionInfo>> {
    return this.store.versionsPage(flowId, page);
  }

  /** A version's text, by number. */
  versionText(flowId: string, number: number): Promise<{ version: VersionInfo; text: string | null } | null> {
    return this.store.flowVersionText(flowId, number);
  }

  /** A new flow; null when the name is taken (by any process). */
  async create(name: string, text: string): Promise<{ flowId: string } | null> {
    const ref = await this.store.createFlow(name, text);
    return ref ? { flowId: ref.flowId } : null;
  }

  /**
   * Records `text` as a version of `flow` and makes it the head, if the flow is still at the revision
   * it was read at; null when another change came first (the version stays stored, as texts do).
   */
  async commit(flow: FlowInfo, text: string): Promise<{ version: VersionInfo } | null> {
    const ref = await this.store.registerVersion({ name: flow.name, definition: text });
    if (!(await this.store.saveFlowHead(flow.id, ref.versionId, flow.revision))) return null;
    const stored = await this.store.flowVersionText(flow.id, ref.number);
    return stored ? { version: stored.version } : null;
  }

  /** False when another change came first. */
  setDeleted(flow: FlowInfo, deleted: boolean): Promise<boolean> {
    return this.store.setFlowDeleted(flow.id, deleted, flow.revision);
  }
}
