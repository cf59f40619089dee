// Stand-ins for the classes of CrewAI's lib/crewai/tests/test_flow_definition.py that example files
// name by ref. `RoundTripFlow` is local to test_flow_definition_from_declaration_accepts_json_and_yaml_strings.
export const RoundTripFlow = {
  begin: (): string => "started",
  decide: (): string => "left",
  handle_left: (): string => "left",
};
