import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../src/App";
import { NODE_KINDS } from "../src/nodeKinds";
import { resetEditor } from "../src/store";

afterEach(() => {
  cleanup();
  resetEditor();
});

describe("App", () => {
  it("renders the top bar, palette, canvas with the sample flow, and inspector", () => {
    const { container } = render(<App />);

    expect(screen.getByRole("heading", { level: 1, name: "Crewflow" })).toBeTruthy();

    const palette = screen.getByRole("complementary", { name: "Palette" });
    const items = within(palette).getAllByRole("listitem");
    expect(items.map((li) => li.textContent)).toEqual(NODE_KINDS.map((k) => `${k.glyph}${k.label}`));
    expect(within(palette).getByRole("button", { name: "Add Router node" })).toBeTruthy();

    const canvas = screen.getByRole("main", { name: "Canvas" });
    expect(canvas.querySelector(".react-flow")).not.toBeNull();
    expect(canvas.querySelectorAll(".react-flow__node")).toHaveLength(4);
    // happy-dom does not lay out, so React Flow keeps nodes visibility:hidden (unmeasured): query the DOM.
    const router = canvas.querySelector('.react-flow__node[data-id="route_followup"] [role="group"]');
    expect(router?.getAttribute("aria-label")).toBe("Router method route_followup");
    expect(container.querySelector(".react-flow__minimap")).not.toBeNull();
    expect(container.querySelector(".react-flow__controls")).not.toBeNull();

    expect(screen.getByRole("complementary", { name: "Inspector" })).toBeTruthy();
  });
});
