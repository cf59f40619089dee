// `loaded_flows` does not exist in CrewAI: test_flow_definition.py only loads declarations that name
// it and never builds a runnable flow from them. Where the same test defines a twin class, these
// bodies are that class's (ExplicitNonStartFlow, the StandaloneRouterFlow twin of LoadedFlow);
// the others return a fixed string per method so the declarations can run.
export const LoadedFlow = {
  decision: (): string => "continue",
};

export const LoadedDiagnosticsFlow = {
  begin: (): string => "started",
};

export const TypoFlow = {
  begin: (): string => "started",
  handle: (): string => "handled",
};

export const ExplicitNonStartFlow = {
  begin: (): string => "started",
  handle: (): string => "handled",
};

export const SelfListenFlow = {
  begin: (): string => "started",
  publish: (): string => "published",
};

export const VideoFlow = {
  begin: (): string => "started",
  create_video: (): string => "made a video",
};
