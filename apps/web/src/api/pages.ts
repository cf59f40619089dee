// Paged lists: the API answers a list one page at a time (`{ items, nextCursor }`, at most 200 items).
// `usePages` loads the first page, then the next one on each `loadMore()`, until `nextCursor` is null.
import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage } from "./client";

/** One page of a list as the API answers it (some lists add fields, such as the flow of its versions). */
export interface PageOf<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Pages<T, P extends PageOf<T>> {
  /** Every item loaded so far (null until the first page arrives). */
  items: T[] | null;
  /** The last page loaded, with any fields of its own. */
  last: P | null;
  /** Whether another page can be loaded. */
  hasMore: boolean;
  loadingMore: boolean;
  error: string | null;
  loadMore(): void;
}

/**
 * The pages of a list, fetched by `fetchPage(cursor)`. `key` names the list: when it changes the list
 * is loaded again from its first page (answers for an earlier key are dropped).
 */
export function usePages<T, P extends PageOf<T>>(key: string | null, fetchPage: (cursor: string | undefined) => Promise<P>): Pages<T, P> {
  const [state, setState] = useState<{ items: T[] | null; last: P | null; loadingMore: boolean; error: string | null }>({
    items: null,
    last: null,
    loadingMore: false,
    error: null,
  });
  const generation = useRef(0);
  const fetcher = useRef(fetchPage);
  fetcher.current = fetchPage;

  const load = useCallback((cursor: string | undefined, previous: T[]) => {
    const mine = generation.current;
    fetcher
      .current(cursor)
      .then((page) => {
        if (generation.current === mine) setState({ items: [...previous, ...page.items], last: page, loadingMore: false, error: null });
      })
      .catch((e: unknown) => {
        if (generation.current === mine) setState((s) => ({ ...s, loadingMore: false, error: errorMessage(e) }));
      });
  }, []);

  useEffect(() => {
    generation.current++;
    setState({ items: null, last: null, loadingMore: false, error: null });
    if (key !== null) load(undefined, []);
    return () => {
      generation.current++;
    };
  }, [key, load]);

  const cursor = state.last?.nextCursor ?? null;
  const loadMore = useCallback(() => {
    if (cursor === null || state.loadingMore) return;
    setState((s) => ({ ...s, loadingMore: true, error: null }));
    load(cursor, state.items ?? []);
  }, [cursor, state.loadingMore, state.items, load]);

  return { items: state.items, last: state.last, hasMore: cursor !== null, loadingMore: state.loadingMore, error: state.error, loadMore };
}
