// `my_tools` does not exist in CrewAI: test_each_action_loads_from_declaration only loads the
// declaration. The tool normalises a row as EachActionFlow.normalize_row does.
export class NormalizeRowTool {
  readonly name = "NormalizeRowTool";
  run({ row }: { row: unknown }): string {
    return `normalized:${String(row)}`;
  }
}
