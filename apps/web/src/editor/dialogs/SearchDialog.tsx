// Ctrl+K: find a method by name (substring, case-insensitive); choosing one selects it and centres it.
import { useMemo, useState } from "react";
import { methodKind } from "../graph";
import { useFlowEditor } from "../store";
import { Dialog } from "./Dialog";

const MAX_RESULTS = 50;

export function SearchDialog({ onClose }: { onClose: () => void }) {
  const definition = useFlowEditor((s) => s.definition);
  const focusNode = useFlowEditor((s) => s.focusNode);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const matches = useMemo(() => {
    const needle = query.trim().toLowerCase();
    const names = Object.keys(definition.methods ?? {});
    const found = needle ? names.filter((name) => name.toLowerCase().includes(needle)) : names;
    // Names that start with the query first.
    found.sort((a, b) => Number(!a.toLowerCase().startsWith(needle)) - Number(!b.toLowerCase().startsWith(needle)));
    return found.slice(0, MAX_RESULTS);
  }, [definition, query]);

  const choose = (name: string | undefined) => {
    if (!name) return;
    focusNode(name);
    onClose();
  };

  return (
    <Dialog label="Search methods" onClose={onClose}>
      <input
        type="search"
        aria-label="Search methods"
        placeholder="Method name…"
        value={query}
        onChange={(event) => {
          setQuery(event.target.value);
          setActive(0);
        }}
        onKeyDown={(event) => {
          if (event.key === "ArrowDown") setActive((i) => Math.min(i + 1, matches.length - 1));
          else if (event.key === "ArrowUp") setActive((i) => Math.max(i - 1, 0));
          else if (event.key === "Enter") choose(matches[active]);
          else return;
          event.preventDefault();
        }}
      />
      {matches.length === 0 ? (
        <p className="cf-muted">No method matches “{query}”.</p>
      ) : (
        <ul className="cf-search-results" aria-label="Search results">
          {matches.map((name, i) => (
            <li key={name}>
              <button type="button" className={i === active ? "is-active" : undefined} onClick={() => choose(name)}>
                {name} <span className="cf-muted">{methodKind(definition.methods?.[name])}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}
