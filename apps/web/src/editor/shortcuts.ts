// Keyboard shortcuts of the editor. Inside text fields only Ctrl+S and Ctrl+K apply (typing and the
// browser's own undo there stay the field's).
import { useEffect } from "react";
import { useFlowEditor } from "./store";

function inTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

export function useEditorShortcuts(openSearch: () => void): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      const store = useFlowEditor.getState();
      if (mod && key === "s") {
        event.preventDefault();
        void store.save();
        return;
      }
      if (mod && key === "k") {
        event.preventDefault();
        openSearch();
        return;
      }
      if (inTextField(event.target) || event.defaultPrevented) return;
      if (mod && key === "z" && !event.shiftKey) store.undo();
      else if (mod && ((key === "z" && event.shiftKey) || key === "y")) store.redo();
      else if (mod && key === "c") store.copySelection();
      else if (mod && key === "v") store.paste();
      else if (mod && key === "a") store.select(store.nodes.map((node) => node.id));
      else if (!mod && (event.key === "Delete" || event.key === "Backspace")) store.deleteSelection();
      else return;
      event.preventDefault();
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [openSearch]);
}
