// Flow documents over the API: validated with the definition package's loader (diagnostics with
// paths), checked against the server's ref policy, stored as immutable versions. A save names the
// version it was based on; a save based on anything but the head is a conflict, never an overwrite.
import type { Page, PageRequest, RunStore } from "@crewflow/runtime";
import { type Diagnostic, type FlowDefinition, exportForCrewAI, openDocument } from "@crewflow/definition";
import { diffStates } from "@crewflow/host";
import { type FlowCatalog, type FlowInfo, type VersionInfo } from "./catalog";
import { type Problem, badRequest, conflict, notFound, summarize } from "./errors";
import { type RefPolicy, checkDefinition } from "./policy";
import { type DocumentReader, DocumentTimeoutError } from "./threads/documents";

/** A diagnostic as the API returns it. */
export interface DiagnosticView {
  path: string;
  message: string;
  severity: "error" | "warning";
  code?: string;
}

export interface ValidationView {
  valid: boolean;
  name: string | null;
  errors: DiagnosticView[];
  warnings: DiagnosticView[];
}

/** A text that passed validation, with what it defines. */
interface Accepted {
  definition: FlowDefinition;
  warnings: DiagnosticView[];
}

export interface LoadedVersion {
  flowId: string;
  flowName: string;
  version: VersionInfo;
  text: string;
  definition: FlowDefinition;
}

const FLOW_TTL_MS = 2_000;

/** The label loaded texts get: it makes crew-path checks apply and keeps server paths out of messages. */
export const VALIDATION_SOURCE = "flow.yaml";

const view = (d: Diagnostic): DiagnosticView => ({ path: d.path, message: d.message, severity: d.severity, ...(d.code ? { code: d.code } : {}) });
const asError = (p: Problem): DiagnosticView => ({ path: p.path, message: p.message, severity: "error", code: "server_policy" });
const asWarning = (p: Problem): DiagnosticView => ({ path: p.path, message: p.message, severity: "warning", code: "server_policy" });

/** Serialises async work per key (saves of one flow; creates of one name). */
class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** The project template of `crewai create flow` (declarative), with the name filled in. */
export function templateText(name: string): string {
  return [
    "schema: crewai.flow/v1",
    `name: ${JSON.stringify(name)}`,
    "description: A declarative CrewAI Flow.",
    "",
    "state:",
    "  type: dict",
    "  default:",
    "    topic: AI agents",
    "",
    "methods:",
    "  start:",
    "    start: true",
    "    do:",
    "      call: expression",
    "      expr: state.topic",
    "",
  ].join("\n");
}

export class FlowService {
  private readonly locks = new KeyedMutex();
  /** Parsed versions by id (the definition, and the mapping as written): versions are immutable, so a parse never goes stale. */
  private readonly parsed = new Map<string, { definition: FlowDefinition; data: unknown }>();
  /** Version texts by `flowId#number` (immutable too). */
  private readonly texts = new Map<string, { version: VersionInfo; text: string }>();
  private readonly flowCache = new Map<string, { flow: FlowInfo; until: number }>();

  constructor(
    private readonly store: RunStore,
    private readonly catalog: FlowCatalog,
    private readonly policy: RefPolicy,
    /** Reads flow texts (large ones off the API's event loop). */
    private readonly documents: DocumentReader,
  ) {}

  private async read(text: string) {
    try {
      return await this.documents.read(text, VALIDATION_SOURCE);
    } catch (err) {
      if (err instanceof DocumentTimeoutError) throw badRequest(`The flow could not be read: ${err.message}.`, [{ path: "", message: err.message }]);
      throw err;
    }
  }

  /** The loader's diagnostics plus the server policy's (refs it refuses are errors). */
  async validate(text: string): Promise<ValidationView & { definition: FlowDefinition | null }> {
    const loaded = await this.read(text);
    const errors = loaded.errors.map(view);
    const warnings = loaded.warnings.map(view);
    if (loaded.definition) {
      const verdict = checkDefinition(loaded.definition, this.policy, false);
      errors.push(...verdict.errors.map(asError));
      warnings.push(...verdict.warnings.map(asWarning));
    }
    const valid = errors.length === 0 && loaded.definition !== null;
    return { valid, name: loaded.definition?.name ?? null, errors, warnings, definition: valid ? loaded.definition : null };
  }

  /** Like validate, but a BAD_REQUEST listing the errors when the text is not acceptable. */
  private async accept(text: string): Promise<Accepted> {
    const result = await this.validate(text);
    if (!result.definition) throw badRequest(`The flow is not valid: ${summarize(result.errors)}`, result.errors);
    return { definition: result.definition, warnings: result.warnings };
  }

  /** One page of flows by name (deleted ones only when asked). */
  list(filter: PageRequest & { includeDeleted: boolean }): Promise<Page<FlowInfo>> {
    return this.catalog.list(filter);
  }

  /**
   * A flow that exists (deleted or not). Lookups are cached for a moment (a run start should not cost
   * three queries); this server's own writes drop the entry, another writer's show within `FLOW_TTL_MS`.
   */
  async require(idOrName: string): Promise<FlowInfo> {
    const hit = this.flowCache.get(idOrName);
    if (hit && hit.until > Date.now()) return hit.flow;
    const flow = await this.catalog.find(idOrName);
    if (!flow) throw notFound(`No flow '${idOrName}'.`);
    if (this.flowCache.size >= 1000) this.flowCache.clear();
    const entry = { flow, until: Date.now() + FLOW_TTL_MS };
    this.flowCache.set(flow.id, entry);
    this.flowCache.set(flow.name, entry);
    return flow;
  }

  /** Reads a flow fresh (for decisions: saves, deletes) and drops what the cache had. */
  private async fresh(idOrName: string): Promise<FlowInfo> {
    const flow = await this.catalog.find(idOrName);
    if (!flow) throw notFound(`No flow '${idOrName}'.`);
    this.forget(flow);
    return flow;
  }

  private forget(flow: { id: string; name: string }): void {
    this.flowCache.delete(flow.id);
    this.flowCache.delete(flow.name);
  }

  /** A flow that exists and is not deleted (what runs and saves need). */
  async requireActive(idOrName: string): Promise<FlowInfo> {
    const flow = await this.require(idOrName);
    if (flow.deleted) throw notFound(`Flow '${flow.name}' is deleted (restore it first).`);
    return flow;
  }

  /** A version of a flow (the head when `number` is undefined), parsed. */
  async load(flow: FlowInfo, number?: number): Promise<LoadedVersion> {
    const wanted = number ?? flow.head.number;
    const key = `${flow.id}#${wanted}`;
    let found = this.texts.get(key);
    if (!found) {
      const stored = await this.catalog.versionText(flow.id, wanted);
      if (!stored) throw notFound(`Flow '${flow.name}' has no version ${wanted}.`);
      if (stored.text === null) throw notFound(`Version ${wanted} of flow '${flow.name}' was recorded without its text.`);
      found = { version: stored.version, text: stored.text };
      if (this.texts.size >= 1000) this.texts.delete(this.texts.keys().next().value!);
      this.texts.set(key, found);
    }
    return { flowId: flow.id, flowName: flow.name, version: found.version, text: found.text, definition: await this.parse(found.version.id, found.text) };
  }

  /** A stored version by id (a run's version), parsed. */
  async loadVersionId(versionId: string): Promise<LoadedVersion> {
    const version = await this.store.getVersion(versionId);
    if (!version || version.definition === null) throw notFound(`The flow version ${versionId} has no stored text.`);
    return {
      flowId: version.flowId,
      flowName: version.flowName,
      version: { id: version.versionId, number: version.number, hash: version.hash, createdAt: version.createdAt },
      text: version.definition,
      definition: await this.parse(version.versionId, version.definition),
    };
  }

  private async parse(versionId: string, text: string): Promise<FlowDefinition> {
    return (await this.parseVersion(versionId, text)).definition;
  }

  /**
   * A version's mapping as written (`x-crewflow` included): the editor opens a flow from it instead
   * of parsing the YAML text in the browser (a 2,000-method flow's text takes most of a second there).
   */
  async writtenData(loaded: LoadedVersion): Promise<unknown> {
    return (await this.parseVersion(loaded.version.id, loaded.text)).data;
  }

  private async parseVersion(versionId: string, text: string): Promise<{ definition: FlowDefinition; data: unknown }> {
    const cached = this.parsed.get(versionId);
    if (cached) return cached;
    const loaded = await this.read(text);
    if (!loaded.definition) throw badRequest(`The stored flow version is not valid: ${summarize(loaded.errors.map(view))}`, loaded.errors.map(view));
    if (this.parsed.size >= 1000) this.parsed.delete(this.parsed.keys().next().value!);
    const parsed = { definition: loaded.definition, data: loaded.data };
    this.parsed.set(versionId, parsed);
    return parsed;
  }

  /** A new flow from a definition text, or from CrewAI's project template given just a name. */
  async create(input: { text: string } | { name: string }, accepted?: Accepted): Promise<{ flow: FlowInfo; warnings: DiagnosticView[] }> {
    const text = "text" in input ? input.text : templateText(input.name);
    const { definition, warnings } = accepted ?? (await this.accept(text));
    return this.locks.run(`name:${definition.name}`, async () => {
      const existing = await this.catalog.find(definition.name);
      if (existing)
        throw conflict(
          existing.deleted
            ? `A deleted flow named '${definition.name}' exists (id ${existing.id}); restore it or choose another name.`
            : `A flow named '${definition.name}' exists already (id ${existing.id}).`,
        );
      // Another process may create the same name meanwhile: the database decides (unique name).
      const created = await this.catalog.create(definition.name, text);
      if (!created) throw conflict(`A flow named '${definition.name}' exists already.`);
      return { flow: await this.fresh(created.flowId), warnings };
    });
  }

  /**
   * A new version of a flow. `baseVersion` is the version the edit started from; when another save
   * came first it is no longer the head and the save is refused with CONFLICT. Versions are
   * content-addressed: saving the text of an earlier version makes that version the head again.
   */
  async save(
    input: { flowId: string; baseVersion: number; text: string },
    accepted?: Accepted,
  ): Promise<{ flow: FlowInfo; version: VersionInfo; changed: boolean; warnings: DiagnosticView[] }> {
    const { definition, warnings } = accepted ?? (await this.accept(input.text));
    const target = await this.requireActive(input.flowId);
    return this.locks.run(`name:${target.name}`, async () => {
      const flow = await this.fresh(target.id);
      if (flow.deleted) throw notFound(`Flow '${flow.name}' is deleted (restore it first).`);
      if (input.baseVersion !== flow.head.number)
        throw conflict(`Flow '${flow.name}' is at version ${flow.head.number}; this save is based on version ${input.baseVersion}. Reload it and apply the change again.`);
      if (definition.name !== flow.name)
        throw badRequest(`A save cannot rename flow '${flow.name}' to '${definition.name}'; create a new flow instead.`, [
          { path: "name", message: `expected '${flow.name}'` },
        ]);
      // Compare-and-swap at the database: a save by another process since we read the flow wins.
      const committed = await this.catalog.commit(flow, input.text);
      if (!committed)
        throw conflict(`Flow '${flow.name}' was changed by another save while this one was based on version ${input.baseVersion}. Reload it and apply the change again.`);
      return { flow: await this.fresh(flow.id), version: committed.version, changed: committed.version.id !== flow.head.id, warnings };
    });
  }

  /** CrewAI's YAML as a new flow, or (with `replace`) as a new version of the flow of that name. */
  async importYaml(input: { yaml: string; replace: boolean }): Promise<{ flow: FlowInfo; created: boolean; warnings: DiagnosticView[] }> {
    const accepted = await this.accept(input.yaml);
    const { definition, warnings } = accepted;
    const existing = await this.catalog.find(definition.name);
    if (existing) this.forget(existing);
    if (!existing || !input.replace) {
      const created = await this.create({ text: input.yaml }, accepted);
      return { flow: created.flow, created: true, warnings };
    }
    if (existing.deleted && !(await this.catalog.setDeleted(existing, false))) throw conflict(`Flow '${existing.name}' changed while it was being imported; try again.`);
    const saved = await this.save({ flowId: existing.id, baseVersion: existing.head.number, text: input.yaml }, accepted);
    return { flow: saved.flow, created: false, warnings };
  }

  /** The text to hand to CrewAI, with what CrewAI will not run (compatibility warnings). */
  async exportYaml(input: { flowId: string; version?: number | undefined }): Promise<{ name: string; version: number; text: string; warnings: DiagnosticView[]; errors: DiagnosticView[] }> {
    const flow = await this.require(input.flowId);
    const loaded = await this.load(flow, input.version);
    const exported = exportForCrewAI(openDocument(loaded.text, { sourcePath: VALIDATION_SOURCE }));
    return { name: flow.name, version: loaded.version.number, text: exported.text, warnings: exported.warnings.map(view), errors: exported.errors.map(view) };
  }

  /** The structural change from one version to another (RFC 6902 operations). */
  async diffVersions(input: { flowId: string; from: number; to: number }) {
    const flow = await this.require(input.flowId);
    const [a, b] = await Promise.all([this.load(flow, input.from), this.load(flow, input.to)]);
    const diff = diffStates(openDocument(a.text).data, openDocument(b.text).data);
    return { from: a.version, to: b.version, changed: diff.changed, patch: diff.patch, delta: diff.delta as unknown };
  }

  async setDeleted(flowId: string, deleted: boolean): Promise<FlowInfo> {
    const flow = await this.require(flowId);
    return this.locks.run(`name:${flow.name}`, async () => {
      const current = await this.fresh(flowId);
      if (current.deleted !== deleted && !(await this.catalog.setDeleted(current, deleted)))
        throw conflict(`Flow '${current.name}' was changed by another request meanwhile; reload it and try again.`);
      return this.fresh(flowId);
    });
  }

  /** One page of a flow's versions, newest first. */
  versions(flowId: string, page: PageRequest): Promise<Page<VersionInfo>> {
    return this.catalog.versions(flowId, page);
  }
}
