// Flows and their versions as the API shows them. The store keeps flows (by name) and immutable,
// content-addressed versions; what it does not keep yet is which version is a flow's head (the one a
// save must be based on) and whether a flow is deleted. Until store-prisma has columns for them, this
// adapter records both as append-only `flow_states` rows under a reserved id per flow
// (`crewflow.server/flow/<id>`), through the store's public `saveState`; the latest row wins.
import type { PrismaRunStore } from "@crewflow/store-prisma";

export interface VersionInfo {
  id: string;
  number: number;
  hash: string;
  createdAt: string;
}

export interface FlowInfo {
  id: string;
  name: string;
  deleted: boolean;
  deletedAt: string | null;
  createdAt: string;
  /** The version a save must be based on (the last one saved). */
  head: VersionInfo;
  versionCount: number;
}

interface FlowMeta {
  head: string | null;
  deleted: boolean;
  deletedAt: string | null;
}

const META_PREFIX = "crewflow.server/flow/";
const metaKey = (flowId: string) => `${META_PREFIX}${flowId}`;

function parseMeta(value: unknown): FlowMeta {
  const record = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  return {
    head: typeof record.head === "string" ? record.head : null,
    deleted: record.deleted === true,
    deletedAt: typeof record.deletedAt === "string" ? record.deletedAt : null,
  };
}

type FlowRow = {
  id: string;
  name: string;
  createdAt: Date;
  versions: { id: string; number: number; hash: string; createdAt: Date }[];
};

const versionInfo = (v: { id: string; number: number; hash: string; createdAt: Date }): VersionInfo => ({
  id: v.id,
  number: v.number,
  hash: v.hash,
  createdAt: v.createdAt.toISOString(),
});

export class FlowCatalog {
  constructor(private readonly store: PrismaRunStore) {}

  private get prisma(): PrismaRunStore["prisma"] {
    return this.store.prisma;
  }

  private async metas(flowIds: readonly string[]): Promise<Map<string, FlowMeta>> {
    const out = new Map<string, FlowMeta>();
    if (flowIds.length === 0) return out;
    await this.store.flush();
    const rows = await this.prisma.flowState.findMany({
      where: { flowUuid: { in: flowIds.map(metaKey) } },
      orderBy: { id: "desc" },
      select: { flowUuid: true, state: true },
    });
    for (const row of rows) {
      const id = row.flowUuid.slice(META_PREFIX.length);
      if (!out.has(id)) out.set(id, parseMeta(row.state));
    }
    return out;
  }

  private info(row: FlowRow, meta: FlowMeta | undefined): FlowInfo | null {
    const versions = row.versions;
    if (versions.length === 0) return null;
    const latest = versions.reduce((a, b) => (b.number > a.number ? b : a));
    const head = (meta?.head && versions.find((v) => v.id === meta.head)) || latest;
    return {
      id: row.id,
      name: row.name,
      deleted: meta?.deleted ?? false,
      deletedAt: meta?.deleted ? meta.deletedAt : null,
      createdAt: row.createdAt.toISOString(),
      head: versionInfo(head),
      versionCount: versions.length,
    };
  }

  private readonly select = {
    id: true,
    name: true,
    createdAt: true,
    versions: { select: { id: true, number: true, hash: true, createdAt: true } },
  } as const;

  /** Every flow (deleted ones only when asked), by name. */
  async list(includeDeleted: boolean): Promise<FlowInfo[]> {
    await this.store.flush();
    const rows = await this.prisma.flow.findMany({ select: this.select, orderBy: { name: "asc" } });
    const metas = await this.metas(rows.map((r) => r.id));
    return rows.map((r) => this.info(r, metas.get(r.id))).filter((f): f is FlowInfo => f !== null && (includeDeleted || !f.deleted));
  }

  /** A flow by id, or (for the HTTP API) by name; deleted flows included. */
  async find(idOrName: string): Promise<FlowInfo | null> {
    await this.store.flush();
    const row =
      (await this.prisma.flow.findUnique({ where: { id: idOrName }, select: this.select })) ??
      (await this.prisma.flow.findUnique({ where: { name: idOrName }, select: this.select }));
    if (!row) return null;
    return this.info(row, (await this.metas([row.id])).get(row.id));
  }

  async versions(flowId: string): Promise<VersionInfo[]> {
    const rows = await this.prisma.flowVersion.findMany({
      where: { flowId },
      orderBy: { number: "asc" },
      select: { id: true, number: true, hash: true, createdAt: true },
    });
    return rows.map(versionInfo);
  }

  /** A version's text, by number. */
  async versionText(flowId: string, number: number): Promise<{ version: VersionInfo; text: string | null } | null> {
    const row = await this.prisma.flowVersion.findUnique({ where: { flowId_number: { flowId, number } } });
    return row ? { version: versionInfo(row), text: row.definition } : null;
  }

  /** Records `text` as a version of flow `name` (the store dedupes identical texts) and makes it the head. */
  async commit(name: string, text: string): Promise<{ flowId: string; version: VersionInfo }> {
    const ref = await this.store.registerVersion({ name, definition: text });
    await this.writeMeta(ref.flowId, { head: ref.versionId, deleted: false, deletedAt: null }, "save");
    const version = await this.prisma.flowVersion.findUniqueOrThrow({ where: { id: ref.versionId } });
    return { flowId: ref.flowId, version: versionInfo(version) };
  }

  async setDeleted(flow: FlowInfo, deleted: boolean): Promise<void> {
    await this.writeMeta(flow.id, { head: flow.head.id, deleted, deletedAt: deleted ? new Date().toISOString() : null }, deleted ? "delete" : "restore");
  }

  private async writeMeta(flowId: string, meta: FlowMeta, action: string): Promise<void> {
    // saveState's `state` is a State (a JSON object with an optional id); the meta record is one.
    await this.store.saveState(metaKey(flowId), action, { ...meta });
  }
}
