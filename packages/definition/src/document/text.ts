// Splicing edits into the original text, so that everything not edited stays byte for byte.

/** Replace `text[start, end)` by `text` (an insertion when start === end). */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export type Eol = "\n" | "\r\n";

export function detectEol(text: string): Eol {
  return text.includes("\r\n") ? "\r\n" : "\n";
}

/**
 * Apply non-overlapping edits. Insertions at the same offset keep the order they were made in and
 * come before a replacement starting there. Edit texts use `\n`; they are written with `eol`.
 */
export function applyTextEdits(text: string, edits: readonly TextEdit[], eol: Eol = "\n"): string {
  const ordered = edits
    .map((edit, order) => ({ ...edit, order }))
    .sort((a, b) => a.start - b.start || Number(a.end > a.start) - Number(b.end > b.start) || a.order - b.order);
  let out = "";
  let cursor = 0;
  for (const edit of ordered) {
    if (edit.start < cursor || edit.end < edit.start) throw new Error("overlapping document edits");
    out += text.slice(cursor, edit.start) + (eol === "\n" ? edit.text : edit.text.replace(/\n/g, eol));
    cursor = edit.end;
  }
  return out + text.slice(cursor);
}

export function lineStart(text: string, offset: number): number {
  return offset <= 0 ? 0 : text.lastIndexOf("\n", offset - 1) + 1;
}

/** Offset just past the newline ending the line that holds `offset` (or the end of the text). */
export function nextLineStart(text: string, offset: number): number {
  const newline = text.indexOf("\n", offset);
  return newline < 0 ? text.length : newline + 1;
}

/** Offset of the line break ending the line that holds `offset` (before a `\r\n`). */
export function lineEnd(text: string, offset: number): number {
  let end = text.indexOf("\n", offset);
  if (end < 0) end = text.length;
  if (end > offset && text[end - 1] === "\r") end -= 1;
  return end;
}

/** The spaces/tabs that start the line holding `offset`. */
export function lineIndent(text: string, offset: number): string {
  const start = lineStart(text, offset);
  return /^[ \t]*/.exec(text.slice(start, offset))?.[0] ?? "";
}

/** Indent every line after the first by `pad` (empty lines stay empty). */
export function indentRest(block: string, pad: string): string {
  if (!pad) return block;
  return block
    .split("\n")
    .map((line, index) => (index === 0 || line === "" ? line : pad + line))
    .join("\n");
}
