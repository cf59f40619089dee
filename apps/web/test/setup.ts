// Unit tests have no server: a request to the page's default origin would go to whatever listens on
// localhost:3000 on the developer's machine (a running Crewflow, say). Such a request fails here, and
// fails the test that sent it, naming the address — unless the test is about a failed load and says
// so with `offlineRequests()`. Live tests point the page at their own server first.
import { afterEach, expect } from "vitest";

const DEFAULT_ORIGIN = "http://localhost:3000";
let stray: string[] = [];
let offline: string[] | null = null;
const realFetch = globalThis.fetch;

/** Requests this test sends to the default origin fail as if the network were down; they are listed here. */
export function offlineRequests(): readonly string[] {
  offline = [];
  return offline;
}

globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  if (new URL(url, location.href).origin === DEFAULT_ORIGIN) {
    (offline ?? stray).push(url);
    return Promise.reject(new TypeError(`fetch failed: ${url} is not reachable (no server in unit tests)`));
  }
  return realFetch(input, init);
};

afterEach(() => {
  const sent = stray;
  stray = [];
  offline = null;
  expect(sent, "requests to the default origin (no server in unit tests)").toEqual([]);
});
