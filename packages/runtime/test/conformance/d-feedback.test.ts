// Conformance cases D (human feedback): conformance-cases.md §D.
import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  Flow,
  type FlowHandle,
  HumanFeedbackPending,
  type HumanFeedbackProvider,
  type OutcomeCollapser,
  type PendingFeedbackContext,
  defineFlow,
  isHumanFeedbackResult,
} from "../../src";
import { RecordingBackend, create, eventTypes, load, order, persistenceTypes, resetStores } from "./helpers";

/** A provider that answers with a fixed text (CrewAI's sync provider / console reviewer). */
const answering = (text: string): HumanFeedbackProvider => ({ requestFeedback: () => text });
/** The collapse "LLM" of the cases: always picks `outcome`. */
const collapseTo = (outcome: string): OutcomeCollapser => vi.fn(async () => outcome);

beforeEach(() => resetStores());

describe("D. human feedback", () => {
  it("case 50: feedback without emit feeds a HumanFeedbackResult downstream", async () => {
    const received: unknown[] = [];
    const flow = await defineFlow("HF")
      .start("generate", () => "generated")
      .listen("review", "generate", () => "reviewed", { human_feedback: { message: "Review:" } })
      .listen("finalize", "review", (_f, r) => {
        received.push(r);
        return "finalized";
      })
      .create({ feedback: { provider: answering("feedback") } });
    expect(await flow.kickoff()).toBe("finalized");
    expect(order(flow)).toEqual(["generate", "review", "finalize"]);
    const expected = { output: "reviewed", feedback: "feedback", outcome: null, method_name: "review" };
    expect(received).toEqual([expect.objectContaining(expected)]);
    expect(flow.methodOutputs).toEqual(["generated", expect.objectContaining(expected), "finalized"]);
    expect(isHumanFeedbackResult(flow.methodOutputs[1])).toBe(true);
    expect(flow.feedbackHistory).toHaveLength(1);
  });

  const REVIEW_YAML = `
schema: crewai.flow/v1
name: ReviewFlow
methods:
  draft:   {start: true, do: {ref: "conformance:draft"},
            human_feedback: {message: "Review the draft:", emit: [approved, rejected], llm: gpt-4o-mini, default_outcome: rejected}}
  publish: {listen: approved, do: {ref: "conformance:publish"}}
  discard: {listen: rejected, do: {ref: "conformance:discard"}}
`;
  const reviewHandlers = {
    draft: () => "draft-content",
    publish: (flow: FlowHandle) => `published:${flow.lastHumanFeedback!.feedback}`,
    discard: () => "discarded",
  };

  it("case 51: empty feedback routes to default_outcome (declarative)", async () => {
    const collapse = collapseTo("approved");
    const flow = await create(REVIEW_YAML, reviewHandlers, { feedback: { provider: answering(""), collapse } });
    expect(await flow.kickoff()).toBe("discarded");
    expect(flow.lastFeedback).toMatchObject({ outcome: "rejected", output: "draft-content" });
    expect(collapse).not.toHaveBeenCalled();

    const shipped = await create(REVIEW_YAML, reviewHandlers, { feedback: { provider: answering("ship it"), collapse } });
    expect(await shipped.kickoff()).toBe("published:ship it");
    expect(collapse).toHaveBeenCalledWith("ship it", ["approved", "rejected"], "gpt-4o-mini");
  });

  it("case 52: terminal HF-emit method returns its own value", async () => {
    const make = (value: unknown) =>
      defineFlow("T1")
        .start("gen", () => value, { human_feedback: { message: "Review", emit: ["approved", "rejected"], llm: "m" } })
        .create({ feedback: { provider: answering("Looks great"), collapse: collapseTo("approved") } });
    const flow = await make({ title: "My Article" });
    expect(await flow.kickoff()).toEqual({ title: "My Article" });
    expect(flow.methodOutputs).toEqual([{ title: "My Article" }]);
    expect(flow.lastFeedback?.outcome).toBe("approved");

    const none = await make(null);
    expect(await none.kickoff()).toBeNull();
  });

  const PENDING_YAML = (persist: boolean) => `
schema: crewai.flow/v1
name: PendingReviewFlow
${persist ? "persist: {enabled: true, persistence: {persistence_type: RecordingBackend, store: hitl}}\n" : ""}methods:
  generate: {start: true, do: {ref: "conformance:content"},
             human_feedback: {message: "Review:"${persist ? ', provider: "conformance:PausingProvider"' : ""}}}
  process:  {listen: generate, do: {ref: "conformance:process"}}
`;
  class PausingProvider {
    requestFeedback(context: PendingFeedbackContext): never {
      throw new HumanFeedbackPending(context);
    }
  }
  const pendingHandlers = {
    content: () => "content",
    process: (_flow: FlowHandle, r: { feedback: string }) => `resumed:${r.feedback}`,
    PausingProvider,
  };

  it("case 54: pause with an async provider and resume later", async () => {
    const definition = load(PENDING_YAML(true));
    const flow = await create(definition, pendingHandlers);
    const paused = await flow.kickoff();
    expect(paused).toBeInstanceOf(HumanFeedbackPending);
    const pending = paused as HumanFeedbackPending;
    expect(pending.context.flow_id).toBe(flow.state.id);
    expect(pending.context.method_name).toBe("generate");
    expect(pending.context.method_output).toBe("content");
    const backend = new RecordingBackend("hitl");
    const id = flow.state.id as string;
    expect(backend.hasPending(id)).toBe(true);
    const types = eventTypes(flow);
    expect(types).toContain("method_execution_paused(generate)");
    expect(types).toContain("flow_paused");
    expect(types).not.toContain("flow_finished");
    expect(flow.outputsByMethod).not.toHaveProperty("generate");

    const resumed = await Flow.fromPending(id, definition, {
      persistence: backend,
      persistenceTypes,
      modules: new Map([["conformance", pendingHandlers]]),
    });
    expect(await resumed.resume("looks good")).toBe("resumed:looks good");
    expect(resumed.lastFeedback?.feedback).toBe("looks good");
    expect(backend.hasPending(id)).toBe(false);
    expect(eventTypes(resumed)).toEqual([
      "flow_started",
      "method_execution_started(generate)",
      "method_execution_finished(generate)",
      "method_execution_started(process)",
      "method_execution_finished(process)",
      "flow_finished",
    ]);
    expect(resumed.events[0]).toMatchObject({ type: "flow_started", inputs: null });
  });

  describe("case 55: resume edge results and errors", () => {
    /** Pause `generate` (terminal) with the default provider, then load it back as another process would. */
    async function pausedGenerate(humanFeedback: Record<string, unknown>, collapse?: OutcomeCollapser): Promise<Flow> {
      const backend = new RecordingBackend("p55");
      const builder = defineFlow("Terminal").start("generate", () => ({ content: "generated content" }), {
        human_feedback: { message: "Review:", ...humanFeedback },
      });
      const flow = await builder.create({ defaultPersistence: backend });
      const pending = (await flow.kickoff()) as HumanFeedbackPending;
      expect(pending).toBeInstanceOf(HumanFeedbackPending);
      return Flow.fromPending(pending.context.flow_id, builder.definition(), {
        persistence: backend,
        modules: builder.modules(),
        ...(collapse ? { feedback: { collapse } } : {}),
      });
    }

    it("case 55a: a terminal method without emit resumes to its HumanFeedbackResult", async () => {
      const flow = await pausedGenerate({ metadata: { stage: "draft" } });
      const result = await flow.resume("looks good!");
      const expected = { output: { content: "generated content" }, feedback: "looks good!", outcome: null, metadata: { stage: "draft" } };
      expect(result).toMatchObject(expected);
      expect(isHumanFeedbackResult(result)).toBe(true);
      expect(flow.methodOutputs).toEqual([result]);
    });

    it("case 55b: a terminal method with emit resumes to its raw output", async () => {
      const flow = await pausedGenerate({ emit: ["approved", "rejected"], llm: "m" }, collapseTo("approved"));
      expect(await flow.resume("great")).toEqual({ content: "generated content" });
      expect(flow.lastFeedback?.outcome).toBe("approved");
    });

    it("case 55c: resume() without feedback uses default_outcome", async () => {
      const collapse = collapseTo("rejected");
      const flow = await pausedGenerate({ emit: ["approved", "rejected"], default_outcome: "approved", llm: "m" }, collapse);
      await flow.resume();
      expect(flow.lastFeedback).toMatchObject({ outcome: "approved", feedback: "" });
      expect(collapse).not.toHaveBeenCalled();
    });

    it("case 55d: resume on a flow that never paused", async () => {
      const flow = await defineFlow("Never").start("a", () => "a").create();
      await expect(flow.resume("x")).rejects.toThrow(
        expect.objectContaining({ name: "ValueError", message: "No pending feedback context. Use from_pending() to restore a paused flow." }),
      );
    });

    it("case 55e: resume inside a running event loop (no sync resume in TypeScript)", async () => {
      // CrewAI's sync `resume()` refuses to run inside an event loop and points at `resume_async`. Crewflow
      // has only the asynchronous form, so the observable behaviour is: it returns a promise, and awaiting
      // it from async code works (docs/compat.md).
      const flow = await pausedGenerate({});
      const running = flow.resume("from async code");
      expect(running).toBeInstanceOf(Promise);
      expect(await running).toMatchObject({ feedback: "from async code" });
      expect("resumeAsync" in flow).toBe(false);
    });

    it("case 55f: fromPending for an unknown flow id", async () => {
      const definition = defineFlow("Missing").start("a", () => "a").definition();
      await expect(Flow.fromPending("nonexistent-id", definition, { persistence: new RecordingBackend("none") })).rejects.toThrow(
        expect.objectContaining({ name: "ValueError", message: "No pending feedback found for flow_id: nonexistent-id" }),
      );
    });
  });

  describe("case 56", () => {
    const received: unknown[] = [];
    const builder = defineFlow("RD")
      .method("review", { start: true, human_feedback: { message: "ok?", emit: ["approved", "rejected"], llm: "m" } }, () => "draft")
      .listen("audit", "review", (_f, v) => {
        received.push(v);
        return `audit:${String(v)}`;
      })
      .listen("publish", "approved", () => "published");

    it("case 56: on resume, an HF-emit method dispatches only its outcome (live run: both dispatches)", async () => {
      received.length = 0;
      const flow = await builder.create({ feedback: { provider: answering("yes"), collapse: collapseTo("approved") } });
      await flow.kickoff();
      expect(order(flow)).toEqual(["review", "audit", "publish"]);
      expect(received).toEqual(["approved"]);
    });

    it("case 56: on resume, an HF-emit method dispatches only its outcome (paused, then resumed)", async () => {
      received.length = 0;
      const backend = new RecordingBackend("rd");
      const flow = await builder.create({ defaultPersistence: backend });
      const pending = (await flow.kickoff()) as HumanFeedbackPending;
      const resumed = await Flow.fromPending(pending.context.flow_id, builder.definition(), {
        persistence: backend,
        modules: builder.modules(),
        feedback: { collapse: collapseTo("approved") },
      });
      expect(await resumed.resume("ship it")).toBe("published");
      expect(order(resumed)).toEqual(["review", "publish"]);
      expect(received).toEqual([]);
    });
  });

  it("case 57: any earlier feedback replaces router-label payloads", async () => {
    const recorded: unknown[] = [];
    const flow = await defineFlow("Stale")
      .start("draft", () => "d", { human_feedback: { message: "ok?" } })
      .listen("step", "draft", (_f, _fb) => "s")
      .router("route", "step", () => "x")
      .listen("final", "x", (_f, arg) => {
        recorded.push(arg);
        return "f";
      })
      .create({ feedback: { provider: answering("fine") } });
    expect(await flow.kickoff()).toBe("f");
    expect(recorded).toHaveLength(1);
    expect(isHumanFeedbackResult(recorded[0])).toBe(true);
    expect(recorded[0]).toMatchObject({ feedback: "fine", method_name: "draft" });
  });

  describe("case 58: provider resolution errors surface at kickoff", () => {
    const withProvider = (provider: string) => `
schema: crewai.flow/v1
name: ProviderFlow
methods:
  generate: {start: true, do: {ref: "conformance:content"}, human_feedback: {message: "Review:", provider: "${provider}"}}
`;
    class NeedsArgsProvider {
      constructor(readonly endpoint: string) {}
      requestFeedback(): string {
        return this.endpoint;
      }
    }
    const handlers = { content: () => "content", NeedsArgsProvider };

    it("case 58a: a provider ref whose constructor needs arguments", async () => {
      const flow = await create(withProvider("conformance:NeedsArgsProvider"), handlers);
      await expect(flow.kickoff()).rejects.toThrow(
        expect.objectContaining({ name: "ValueError", message: expect.stringContaining("cannot instantiate human_feedback.provider ref") }),
      );
    });

    it("case 58b: an unresolvable provider ref", async () => {
      const flow = await create(withProvider("missing_module_xyz:Provider"), handlers);
      await expect(flow.kickoff()).rejects.toThrow(
        expect.objectContaining({ name: "ValueError", message: expect.stringContaining("unresolvable human_feedback.provider ref") }),
      );
    });

    it("case 58c: the flow-wide provider is the fallback", async () => {
      const requestFeedback = vi.fn((_context: PendingFeedbackContext) => "from-config");
      const flow = await create(PENDING_YAML(false), pendingHandlers, { feedback: { provider: { requestFeedback } } });
      expect(await flow.kickoff()).toBe("resumed:from-config");
      expect(requestFeedback).toHaveBeenCalledTimes(1);
      expect(requestFeedback.mock.calls[0]![0].method_name).toBe("generate");
    });
  });
});
