import { ReactFlowProvider } from "@xyflow/react";
import { Canvas } from "./components/Canvas";
import { Inspector } from "./components/Inspector";
import { Palette } from "./components/Palette";
import { TopBar } from "./components/TopBar";

/** The editor window: top bar, palette (left), canvas (middle), inspector (right). */
export function App() {
  return (
    <ReactFlowProvider>
      <div className="cf-app">
        <TopBar />
        <Palette />
        <Canvas />
        <Inspector />
      </div>
    </ReactFlowProvider>
  );
}
