// The lossless document layer: exact round trips, minimal edits, x-crewflow, CrewAI export warnings.
import { describe, expect, it } from "vitest";
import {
  type FlowDocument,
  compatibilityWarnings,
  exportForCrewAI,
  openDocument,
  readExtension,
  serializeDocument,
  setLayout,
  updateDocument,
} from "../src/document";

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FLOW_YAML = `# Research flow, written by hand.
schema: crewai.flow/v1
name: research   # shown in logs
description: >
  A folded description
  over two lines.

defaults: &llm
  model: gpt-4o-mini
  temperature: 0.2

config: {max_method_calls: 25, stream: false}

state:
  type: dict
  default:
    topic: 'AI'        # single quoted
    count: 0
    tags: [a, "b c"]

methods:
  # Entry point.
  plan:
    start: true
    do:
      call: expression
      expr: "state.topic + ' plan'"

  draft:
    listen: plan
    do:
      call: agent
      with:
        role: Writer
        goal: Write
        backstory: "A writer."
        llm: *llm
        input: "Write about \${state.topic}"

  steps:
    listen: draft
    do:
      call: each
      in: state.tags
      do:
        - name: first
          action: {call: expression, expr: "item"}
        - name: second
          if: "true"
          action:
            call: expression
            expr: "outputs.first"

  route:
    listen: {or: [steps, draft]}
    router: true
    emit:
      - done
      - again
    do:
      call: script
      code: |
        # python body
        result = "done"
`;

const FLOW_JSON_4 = `{
    "schema": "crewai.flow/v1",
    "name": "json flow",
    "methods": {
        "plan": {
            "start": true,
            "do": { "call": "expression", "expr": "1 + 1" }
        },
        "review": {
            "listen": "plan",
            "emit": ["ok", "retry"],
            "router": true,
            "do": {
                "call": "expression",
                "expr": "'ok'"
            }
        }
    }
}
`;

const FLOW_JSON_2 = `{
  "name": "two",
  "methods": {
    "a": {
      "start": true,
      "do": {
        "call": "expression",
        "expr": "1"
      }
    }
  }
}`;

function clone(doc: FlowDocument): Data {
  return structuredClone(doc.data) as Data;
}

/** Indices of lines that differ, for edits that keep the line count. */
function changedLines(before: string, after: string): number[] {
  const a = before.split("\n");
  const b = after.split("\n");
  expect(b.length).toBe(a.length);
  return a.flatMap((line, index) => (line === b[index] ? [] : [index]));
}

/** Whether every line of `sub` appears in `all`, in order (lines were only added). */
function isSubsequence(sub: string[], all: string[]): boolean {
  let at = 0;
  for (const line of all) if (at < sub.length && line === sub[at]) at += 1;
  return at === sub.length;
}

function edit(doc: FlowDocument, change: (data: Data) => void): FlowDocument {
  const data = clone(doc);
  change(data);
  const updated = updateDocument(doc, data);
  expect(updated.data).toEqual(data);
  return updated;
}

describe("openDocument / serializeDocument", () => {
  it("keeps an unmodified YAML file byte for byte", () => {
    const doc = openDocument(FLOW_YAML, { sourcePath: "flows/research.yaml" });
    expect(doc.format).toBe("yaml");
    expect(doc.load.errors).toEqual([]);
    expect(doc.load.definition?.name).toBe("research");
    expect(serializeDocument(doc)).toBe(FLOW_YAML);
    // Same data back from the editor: same document, same bytes.
    expect(updateDocument(doc, clone(doc))).toBe(doc);
  });

  it("keeps unusual YAML (merge keys, directives, CRLF, no final newline) byte for byte", () => {
    const texts = [
      "%YAML 1.1\n---\nname: x\nbase: &b {a: 1}\nother:\n  <<: *b\n  c: 'q'\n...\n",
      "name: crlf\r\nmethods:\r\n  a:\r\n    start: yes\r\n    do: {call: expression, expr: '1'}\r\n",
      "name: no-newline",
      "# only a comment\n",
      "",
    ];
    for (const text of texts) expect(serializeDocument(openDocument(text))).toBe(text);
  });

  it("keeps JSON files with 2-space, 4-space and tab indents byte for byte", () => {
    for (const text of [FLOW_JSON_2, FLOW_JSON_4, FLOW_JSON_2.replace(/ {2}/g, "\t"), FLOW_JSON_4.replace(/\n/g, "\r\n")]) {
      const doc = openDocument(text);
      expect(doc.format).toBe("json");
      expect(doc.load.errors).toEqual([]);
      expect(serializeDocument(doc)).toBe(text);
      expect(updateDocument(doc, clone(doc))).toBe(doc);
    }
  });

  it("detects the format from the first non-blank character unless given", () => {
    expect(openDocument('  \n {"name": "x"}').format).toBe("json");
    expect(openDocument("name: x\n").format).toBe("yaml");
    expect(openDocument('{"name": "x"}', { format: "yaml" }).format).toBe("yaml");
  });

  it("reads YAML as YAML 1.1 and keeps load errors and data of invalid files", () => {
    const doc = openDocument("name: x\nflag: on\n");
    expect((doc.data as Data).flag).toBe(true);
    const broken = openDocument("name: [unclosed\n");
    expect(broken.syntaxValid).toBe(false);
    expect(broken.data).toBeNull();
    expect(broken.load.errors.length).toBeGreaterThan(0);
  });
});

describe("updateDocument on YAML", () => {
  const doc = openDocument(FLOW_YAML);

  it("changes only the line of an edited nested scalar, keeping its comment and quotes", () => {
    const updated = edit(doc, (d) => {
      d.state.default.topic = "Robots";
    });
    const text = serializeDocument(updated);
    const lines = changedLines(FLOW_YAML, text);
    expect(lines).toHaveLength(1);
    expect(text.split("\n")[lines[0]!]).toBe("    topic: 'Robots'        # single quoted");
  });

  it("edits several scalars, each on its own line only", () => {
    const updated = edit(doc, (d) => {
      d.name = "research v2";
      d.methods.plan.do.expr = "state.topic";
      d.methods.steps.do.do[1].action.expr = "outputs.first + 1";
      d.config.max_method_calls = 30;
    });
    const text = serializeDocument(updated);
    expect(changedLines(FLOW_YAML, text)).toHaveLength(4);
    expect(text).toContain("name: research v2   # shown in logs\n");
    expect(text).toContain('      expr: "state.topic"\n');
    expect(text).toContain("config: {max_method_calls: 30, stream: false}\n");
  });

  it("keeps block scalar style for multi-line strings", () => {
    const updated = edit(doc, (d) => {
      d.methods.route.do.code = '# python body\nresult = "again"\n';
    });
    const text = serializeDocument(updated);
    expect(changedLines(FLOW_YAML, text)).toHaveLength(1);
    expect(text).toContain('      code: |\n        # python body\n        result = "again"\n');
  });

  it("adds a key after its previous sibling, in block style at the mapping's indentation", () => {
    const updated = edit(doc, (d) => {
      const { plan, ...rest } = d.methods as Data;
      plan.description = "Plans the work";
      d.methods = { plan, ...rest };
      d.methods.draft.do.with = { ...d.methods.draft.do.with, verbose: true };
    });
    const text = serializeDocument(updated);
    expect(isSubsequence(FLOW_YAML.split("\n"), text.split("\n"))).toBe(true);
    expect(text.split("\n").length).toBe(FLOW_YAML.split("\n").length + 2);
    expect(text).toContain("      expr: \"state.topic + ' plan'\"\n    description: Plans the work\n\n  draft:");
    expect(text).toContain('        input: "Write about ${state.topic}"\n        verbose: true\n');
  });

  it("adds a new method between siblings, separated by blank lines like its siblings", () => {
    const updated = edit(doc, (d) => {
      const methods: Data = {};
      for (const [name, method] of Object.entries(d.methods as Data)) {
        methods[name] = method;
        if (name === "plan") methods.check = { listen: "plan", do: { call: "expression", expr: "true" } };
      }
      d.methods = methods;
    });
    const text = serializeDocument(updated);
    expect(isSubsequence(FLOW_YAML.split("\n"), text.split("\n"))).toBe(true);
    expect(text).toContain(
      "\n\n  check:\n    listen: plan\n    do:\n      call: expression\n      expr: \"true\"\n\n  draft:\n",
    );
  });

  it("deletes a key and only its lines", () => {
    const updated = edit(doc, (d) => {
      delete d.methods.steps.do.do[1].if;
      delete d.description;
    });
    const text = serializeDocument(updated);
    const removed = FLOW_YAML.split("\n").filter((line) => !text.split("\n").includes(line));
    expect(removed.sort()).toEqual(['          if: "true"', "  A folded description", "  over two lines.", "description: >"].sort());
    expect(isSubsequence(text.split("\n"), FLOW_YAML.split("\n"))).toBe(true);
  });

  it("deletes a method together with the blank line separating it", () => {
    const updated = edit(doc, (d) => {
      delete d.methods.draft;
      d.methods.steps.listen = "plan";
      d.methods.route.listen = { or: ["steps", "plan"] };
    });
    const text = serializeDocument(updated);
    expect(text).toContain("      expr: \"state.topic + ' plan'\"\n\n  steps:\n    listen: plan\n");
    expect(text).toContain("    listen: {or: [steps, plan]}\n");
    expect(text).not.toContain("draft");
    expect(updated.load.errors).toEqual([]);
  });

  it("renames a method in place when its body is unchanged (comments kept)", () => {
    const updated = edit(doc, (d) => {
      const methods: Data = {};
      for (const [name, method] of Object.entries(d.methods as Data)) methods[name === "plan" ? "outline" : name] = method;
      methods.draft.listen = "outline";
      d.methods = methods;
    });
    const text = serializeDocument(updated);
    expect(changedLines(FLOW_YAML, text)).toHaveLength(2);
    expect(text).toContain("  # Entry point.\n  outline:\n    start: true\n");
    expect(text).toContain("    listen: outline\n");
  });

  it("renames a method whose body also changed as delete + add at the same place", () => {
    const updated = edit(doc, (d) => {
      const methods: Data = {};
      for (const [name, method] of Object.entries(d.methods as Data))
        methods[name === "plan" ? "outline" : name] = name === "plan" ? { ...(method as Data), description: "new" } : method;
      methods.draft.listen = "outline";
      d.methods = methods;
    });
    const text = serializeDocument(updated);
    expect(text).toContain("methods:\n  # Entry point.\n  outline:\n    start: true\n");
    expect(text).toContain("    description: new\n\n  draft:\n    listen: outline\n");
    expect(text).not.toContain("plan:");
  });

  it("edits lists minimally: one item changed, appended or removed", () => {
    const changed = serializeDocument(
      edit(doc, (d) => {
        d.methods.route.emit[1] = "retry";
      }),
    );
    expect(changedLines(FLOW_YAML, changed)).toHaveLength(1);
    expect(changed).toContain("    emit:\n      - done\n      - retry\n");

    const appended = serializeDocument(
      edit(doc, (d) => {
        d.methods.route.emit.push("later");
        d.methods.steps.do.do.push({ name: "third", action: { call: "expression", expr: "outputs.second" } });
      }),
    );
    expect(isSubsequence(FLOW_YAML.split("\n"), appended.split("\n"))).toBe(true);
    expect(appended).toContain("      - again\n      - later\n");
    expect(appended).toContain(
      '            expr: "outputs.first"\n        - name: third\n          action:\n            call: expression\n            expr: outputs.second\n',
    );

    const removed = serializeDocument(
      edit(doc, (d) => {
        d.methods.route.emit.shift();
        d.methods.steps.do.do.shift();
      }),
    );
    expect(isSubsequence(removed.split("\n"), FLOW_YAML.split("\n"))).toBe(true);
    expect(removed).toContain("      do:\n        - name: second\n");
    expect(removed).toContain("    emit:\n      - again\n");
  });

  it("keeps flow collections in flow style, editing items in place", () => {
    const text = serializeDocument(
      edit(doc, (d) => {
        d.state.default.tags = ["a", "b c", "d"];
        d.methods.steps.do.do[0].action.expr = "item + 1";
      }),
    );
    expect(changedLines(FLOW_YAML, text)).toHaveLength(2);
    expect(text).toContain("    tags: [a, b c, d]\n");
    expect(text).toContain('          action: {call: expression, expr: "item + 1"}\n');
  });

  it("edits inside an inline first entry of a list item, and deletes such an item", () => {
    const text = serializeDocument(
      edit(doc, (d) => {
        d.methods.steps.do.do[0].name = "one";
        d.methods.steps.do.do[1].action.expr = "outputs.one";
      }),
    );
    expect(changedLines(FLOW_YAML, text)).toHaveLength(2);
    expect(text).toContain("        - name: one\n");
  });

  it("replaces a value whose type changes, keeping the line's comment", () => {
    const text = serializeDocument(
      edit(doc, (d) => {
        d.state.default.topic = { title: "AI", lang: "en" };
        d.config = { max_method_calls: 25, stream: false, memory: null };
      }),
    );
    expect(text).toContain("    topic:        # single quoted\n      title: AI\n      lang: en\n    count: 0\n");
    expect(text).toContain("config: {max_method_calls: 25, stream: false, memory: null}\n");
  });

  it("writes out aliases whose anchor changes, and keeps the rest", () => {
    // The editor changed the shared defaults but kept the agent's own llm as it was.
    const kept = edit(doc, (d) => {
      d.defaults = { ...d.defaults, model: "gpt-4o" };
    });
    expect((kept.data as Data).methods.draft.do.with.llm).toEqual({ model: "gpt-4o-mini", temperature: 0.2 });
    expect(serializeDocument(kept)).toContain("  model: gpt-4o\n");
    expect(serializeDocument(kept)).not.toContain("*llm");

    // Both changed: still right.
    const both = edit(doc, (d) => {
      d.defaults = { ...d.defaults, temperature: 0.7 };
      d.methods.draft.do.with.llm = { ...d.defaults };
    });
    expect((both.data as Data).methods.draft.do.with.llm.temperature).toBe(0.7);
  });

  it("writes a changed merged key as an override after the merge", () => {
    const text = "base: &b\n  a: 1\n  b: 2\nname: m\nuse:\n  <<: *b\n  c: 3\n";
    const updated = edit(openDocument(text), (d) => {
      d.use.b = 20;
    });
    expect(serializeDocument(updated)).toBe("base: &b\n  a: 1\n  b: 2\nname: m\nuse:\n  <<: *b\n  b: 20\n  c: 3\n");
  });

  it("keeps CRLF line ends and a missing final newline", () => {
    const crlf = "name: crlf\r\nmethods:\r\n  a:\r\n    start: true\r\n    do: {call: expression, expr: '1'}\r\n";
    const text = serializeDocument(
      edit(openDocument(crlf), (d) => {
        d.methods.b = { listen: "a", do: { call: "expression", expr: "2" } };
      }),
    );
    expect(text).toBe(crlf + "  b:\r\n    listen: a\r\n    do:\r\n      call: expression\r\n      expr: \"2\"\r\n");

    const bare = serializeDocument(
      edit(openDocument("name: x\ndescription: old"), (d) => {
        d.description = "new";
        d.config = { stream: true };
      }),
    );
    expect(bare).toBe("name: x\ndescription: new\nconfig:\n  stream: true");
  });

  it("follows the file's indentation and list style for new nodes", () => {
    const four = "name: x\nmethods:\n    a:\n        start: true\n        emit:\n            - one\n        do: {call: expression, expr: '1'}\n";
    const text = serializeDocument(
      edit(openDocument(four), (d) => {
        d.methods.b = { listen: "a", emit: ["x", "y"], do: { call: "expression", expr: "2" } };
      }),
    );
    expect(text).toBe(
      four + "    b:\n        listen: a\n        emit:\n            - x\n            - \"y\"\n        do:\n            call: expression\n            expr: \"2\"\n",
    );
    const flat = "name: x\nmethods:\n  a:\n    emit:\n    - one\n    do: {call: expression, expr: '1'}\n";
    const flatText = serializeDocument(
      edit(openDocument(flat), (d) => {
        d.methods.b = { emit: ["x"] };
      }),
    );
    expect(flatText).toBe(flat + "  b:\n    emit:\n    - x\n");
  });

  it("quotes strings YAML 1.1 would read as something else", () => {
    const updated = edit(doc, (d) => {
      d.state.default.tags = ["yes", "1:30", "null", "2024-01-01"];
      d.description = "on";
    });
    expect((updated.data as Data).state.default.tags).toEqual(["yes", "1:30", "null", "2024-01-01"]);
    expect((updated.data as Data).description).toBe("on");
  });

  it("rewrites an unparseable file from scratch", () => {
    const broken = openDocument("name: [oops\n");
    const updated = updateDocument(broken, { name: "fixed", methods: {} });
    expect(serializeDocument(updated)).toBe("name: fixed\nmethods: {}\n");
  });
});

describe("updateDocument on JSON", () => {
  const doc = openDocument(FLOW_JSON_4);

  it("changes only the edited scalar's line", () => {
    const text = serializeDocument(
      edit(doc, (d) => {
        d.methods.review.do.expr = "'retry'";
      }),
    );
    expect(changedLines(FLOW_JSON_4, text)).toEqual([14]);
    expect(text.split("\n")[14]).toBe("                \"expr\": \"'retry'\"");
  });

  it("adds keys after their previous sibling with the file's indentation", () => {
    const text = serializeDocument(
      edit(doc, (d) => {
        const { schema, name, methods } = d;
        for (const key of Object.keys(d)) delete d[key];
        Object.assign(d, { schema, name, description: "added" });
        d.methods = { plan: methods.plan, check: { listen: "plan", do: { call: "expression", expr: "true" } }, review: methods.review };
      }),
    );
    expect(isSubsequence(FLOW_JSON_4.split("\n"), text.split("\n"))).toBe(true);
    expect(text).toContain('    "name": "json flow",\n    "description": "added",\n    "methods": {');
    expect(text).toContain(
      '        },\n        "check": {\n            "listen": "plan",\n            "do": {\n                "call": "expression",\n                "expr": "true"\n            }\n        },\n        "review": {',
    );
    expect(openDocument(text).load.errors).toEqual([]);
  });

  it("deletes keys (first, middle, last) with their commas", () => {
    const text = serializeDocument(
      edit(doc, (d) => {
        delete d.schema;
        delete d.methods.review.router;
        delete d.methods.review.do;
        d.methods.review.do = { call: "expression", expr: "'ok'" };
      }),
    );
    expect(text).toBe(FLOW_JSON_4.replace('    "schema": "crewai.flow/v1",\n', "").replace('            "router": true,\n', ""));
  });

  it("renames a key in place and keeps one-line lists on one line", () => {
    const text = serializeDocument(
      edit(doc, (d) => {
        d.methods = { start_here: d.methods.plan, review: { ...d.methods.review, listen: "start_here" } };
        d.methods.review.emit = ["ok", "retry", "later"];
      }),
    );
    expect(changedLines(FLOW_JSON_4, text)).toHaveLength(3);
    expect(text).toContain('        "start_here": {\n');
    expect(text).toContain('            "emit": ["ok", "retry", "later"],\n');
  });

  it("keeps 2-space and tab indentation and CRLF", () => {
    const two = serializeDocument(
      edit(openDocument(FLOW_JSON_2), (d) => {
        d.methods.a.emit = ["x"];
      }),
    );
    // `emit` comes last in the editor's object, so it goes after `do`.
    expect(two).toContain('        "expr": "1"\n      },\n      "emit": [\n        "x"\n      ]\n    }');
    expect(two.endsWith("}\n}")).toBe(true);

    const tabs = FLOW_JSON_2.replace(/ {2}/g, "\t").replace(/\n/g, "\r\n");
    const tabbed = serializeDocument(
      edit(openDocument(tabs), (d) => {
        d.methods.a.description = "d";
      }),
    );
    expect(tabbed).toBe(tabs.replace('\t\t\t}\r\n\t\t}', '\t\t\t},\r\n\t\t\t"description": "d"\r\n\t\t}'));
  });

  it("edits list items in place and removes them", () => {
    const text = serializeDocument(
      edit(doc, (d) => {
        d.methods.review.emit = ["retry"];
      }),
    );
    expect(text).toContain('"emit": ["retry"],');
    expect(changedLines(FLOW_JSON_4, text)).toHaveLength(1);
  });
});

describe("x-crewflow", () => {
  const layout = {
    version: 1 as const,
    nodes: { plan: { x: 10, y: 20 }, draft: { x: 200, y: 20, width: 180, collapsed: true } },
    viewport: { x: 0, y: 0, zoom: 1.5 },
    notes: [{ id: "n1", text: "Remember", x: 5, y: 6 }],
    groups: [{ id: "g1", label: "Writing", members: ["plan", "draft"] }],
  };

  it("reads a valid block", () => {
    const { extension, warnings } = readExtension({ name: "x", "x-crewflow": { ...layout, theme: "dark" } });
    expect(warnings).toEqual([]);
    expect(extension).toEqual(layout);
  });

  it("drops invalid parts with warnings at their path, never errors", () => {
    const raw = {
      version: 7,
      nodes: { plan: { x: 1, y: 2 }, bad: { x: "left", y: 0 } },
      viewport: { x: 0, y: 0, zoom: -1 },
      notes: [{ id: "n1", text: "ok", x: 0, y: 0 }, { id: "n2", x: 0, y: 0 }, { id: "n1", text: "dup", x: 1, y: 1 }],
      groups: "nope",
    };
    const { extension, warnings } = readExtension({ name: "x", "x-crewflow": raw });
    expect(extension).toEqual({ nodes: { plan: { x: 1, y: 2 } }, notes: [{ id: "n1", text: "ok", x: 0, y: 0 }] });
    expect(warnings.map((w) => w.path)).toEqual([
      "x-crewflow.version",
      "x-crewflow.nodes.bad.x",
      "x-crewflow.viewport.zoom",
      "x-crewflow.notes[1].text",
      "x-crewflow.notes[2].id",
      "x-crewflow.groups",
    ]);
    expect(warnings.every((w) => w.severity === "warning" && w.code === "invalid_extension")).toBe(true);
    expect(readExtension({ "x-crewflow": [1, 2] }).warnings.map((w) => w.path)).toEqual(["x-crewflow"]);
    expect(readExtension({ name: "no block" })).toEqual({ extension: {}, warnings: [] });
  });

  it("keeps a CrewAI-valid file valid whatever x-crewflow holds", () => {
    const doc = openDocument(FLOW_YAML + "x-crewflow: {nodes: 3, junk: [1]}\n");
    expect(doc.load.errors).toEqual([]);
    expect(readExtension(doc.data).warnings).toHaveLength(1);
  });

  it("appends the block at the end of a YAML file, touching nothing else", () => {
    const updated = setLayout(openDocument(FLOW_YAML), layout);
    const text = serializeDocument(updated);
    expect(text.startsWith(FLOW_YAML)).toBe(true);
    expect(text.slice(FLOW_YAML.length)).toMatch(/^\nx-crewflow:\n {2}version: 1\n {2}nodes:\n {4}plan:\n/);
    expect(readExtension(updated.data)).toEqual({ extension: layout, warnings: [] });
    expect(updated.load.errors).toEqual([]);
  });

  it("updates an existing block in place, keeping keys it does not know", () => {
    const base = setLayout(openDocument(FLOW_YAML), layout);
    const withTheme = updateDocument(base, { ...(base.data as Data), "x-crewflow": { ...(base.data as Data)["x-crewflow"], theme: "dark" } });
    const moved = setLayout(withTheme, { ...layout, nodes: { ...layout.nodes, plan: { x: 11, y: 20 } } });
    const before = serializeDocument(withTheme);
    const after = serializeDocument(moved);
    expect(changedLines(before, after)).toHaveLength(1);
    expect(after).toContain("      x: 11\n");
    expect(after).toContain("  theme: dark\n");
    const cleared = serializeDocument(setLayout(openDocument(FLOW_YAML), {}));
    expect(cleared).toBe(FLOW_YAML);
  });

  it("writes the block into a JSON file", () => {
    const updated = setLayout(openDocument(FLOW_JSON_4), { nodes: { plan: { x: 1, y: 2 } } });
    const text = serializeDocument(updated);
    expect(text).toBe(FLOW_JSON_4.replace(/\n {4}\}\n\}\n$/, '\n    },\n    "x-crewflow": {\n        "nodes": {\n            "plan": {\n                "x": 1,\n                "y": 2\n            }\n        }\n    }\n}\n'));
    expect(updated.load.errors).toEqual([]);
  });
});

describe("compatibility warnings", () => {
  const COMPAT = `name: compat
methods:
  js_script:
    start: true
    do: {call: script, language: javascript, code: "return 1"}
  py_script:
    listen: js_script
    do: {call: script, code: "x = 1"}
  code_js:
    listen: py_script
    do: {call: code, ref: "./steps.mjs:run"}
  code_py:
    listen: code_js
    do: {ref: "my_pkg.steps:run"}
  tool_ts:
    listen: code_py
    do: {call: tool, ref: "./tools.ts:Search"}
  loop:
    listen: tool_ts
    do:
      call: each
      in: "state.items"
      do:
        - name: a
          action: {call: code, ref: "../lib/x.cjs:f"}
        - name: b
          action: {call: code, ref: "pkg.mod:f"}
  agent_step:
    listen: loop
    do:
      call: agent
      with:
        role: r
        goal: g
        backstory: b
        input: "hi"
        response_format: {type: object, properties: {a: {type: string}}}
        tools: ["./t.mjs:T", "crewai_tools:SerperDevTool", "custom:search"]
  crew_step:
    listen: agent_step
    do:
      call: crew
      with:
        agents:
          writer: {role: r, goal: g, backstory: b, step_callback: "./cb.js:step"}
        tasks:
          - description: d
            expected_output: e
            agent: writer
            output_json: {type: object}
            output_pydantic: {python: "models.Out"}
            response_model: {type: object}
            guardrail: {ref: "./g.mjs:check"}
            guardrails: ["be nice", {python: "g.check"}, {ref: "g:check"}]
            callback: "./cb.mts:done"
  review:
    listen: crew_step
    do: {call: expression, expr: "1"}
    human_feedback:
      message: ok?
      provider: "./provider.js:Provider"
x-crewflow: {nodes: {review: {x: 1, y: 2}}}
`;

  it("flags every Crewflow-only feature with a path", () => {
    const doc = openDocument(COMPAT);
    expect(doc.load.errors).toEqual([]);
    const warnings = compatibilityWarnings(doc.load.definition!);
    expect(warnings.every((w) => w.code === "crewai_incompatible" && w.severity === "warning")).toBe(true);
    expect(warnings.map((w) => w.path).sort()).toEqual(
      [
        "methods.js_script.do.language",
        "methods.code_js.do.ref",
        "methods.tool_ts.do.ref",
        "methods.loop.do.do[0].action.ref",
        "methods.agent_step.do.with.response_format",
        "methods.agent_step.do.with.tools[0]",
        "methods.crew_step.do.with.agents.writer.step_callback",
        "methods.crew_step.do.with.tasks[0].output_json",
        "methods.crew_step.do.with.tasks[0].response_model",
        "methods.crew_step.do.with.tasks[0].guardrail",
        "methods.crew_step.do.with.tasks[0].guardrails[2]",
        "methods.crew_step.do.with.tasks[0].callback",
        "methods.review.human_feedback.provider",
      ].sort(),
    );
  });

  it("exports the text unchanged, x-crewflow included, with the warnings", () => {
    const doc = openDocument(COMPAT);
    const exported = exportForCrewAI(doc);
    expect(exported.text).toBe(COMPAT);
    expect(exported.warnings).toHaveLength(13);
    expect(exportForCrewAI(openDocument(FLOW_YAML)).warnings).toEqual([]);
  });
});

describe("fallback rewrite through the yaml Document API", () => {
  it("keeps comments and reaches the new data", async () => {
    const { rewriteYaml, detectYamlStyle } = await import("../src/document/yaml");
    const doc = openDocument(FLOW_YAML);
    if (doc.format !== "yaml") throw new Error("expected YAML");
    const data = clone(doc);
    data.methods.plan.do.expr = "state.topic";
    delete data.methods.route;
    data.methods.extra = { listen: "plan", do: { call: "expression", expr: "1" } };
    const text = rewriteYaml(doc.yaml, data, detectYamlStyle(doc.yaml, doc.text));
    expect(openDocument(text).data).toEqual(data);
    expect(text).toContain("# Research flow, written by hand.");
    expect(text).toContain("# Entry point.");
    expect(text).toContain("llm: *llm");
  });
});
