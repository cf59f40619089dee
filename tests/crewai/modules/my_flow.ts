// `my_flow` does not exist in CrewAI: test_each_action_loads_from_declaration only loads the
// declaration. `save_row` is EachActionFlow.save_row.
export function save_row({ row, normalized }: { row: unknown; normalized: unknown }): { row: unknown; normalized: unknown } {
  return { row, normalized };
}
