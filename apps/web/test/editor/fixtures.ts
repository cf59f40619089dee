// Flow texts for the editor tests.
export const ROUTED_FLOW = `schema: crewai.flow/v1
name: RoutedFlow
# a comment the editor must keep
methods:
  research:
    start: true
    do:
      call: expression
      expr: state
  route:
    listen: research
    router: true
    emit: [followup, done]
    do:
      call: expression
      expr: '"done"'
  write_followup:
    listen: followup
    do:
      call: expression
      expr: state
x-crewflow:
  version: 1
  nodes:
    research: { x: 0, y: 100 }
    route: { x: 300, y: 100 }
    write_followup: { x: 600, y: 40 }
`;
