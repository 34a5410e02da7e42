/**
 * The house reads top-down only if its folders do: every module of src/ is mapped to its top-level
 * folder (a file directly in src/ is its own node), and the import graph between those folders must
 * have no cycle. A cycle means two folders are one layer in two places; the fix is to move the shared
 * type or function down into the lower one (as results/row.ts owns the row types the metrics and the
 * frontier fill in). Imports of every form count: static, dynamic (`await import`) and type-only.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

/**
 * Folder edges allowed to close a cycle for now, each with why. Empty: the graph is acyclic.
 * An entry is "from -> to"; remove it once the cycle it excuses is gone (the test says so).
 */
const ALLOWED: ReadonlyMap<string, string> = new Map<string, string>([]);

/**
 * A top-level folder that holds only folders is a group (e.g. src/pipeline/{lower,solve,...}): its
 * subfolders are the nodes, so grouping the house keeps the test as strict as before.
 */
const GROUPS = new Set(
  readdirSync(src, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && readdirSync(join(src, entry.name), { withFileTypes: true }).every((inner) => inner.isDirectory()))
    .map((entry) => entry.name),
);

/** The folder node of a module path relative to src (a file directly under src/ is its own node). */
function folderOf(path: string): string {
  const parts = path.split(sep);
  if (parts.length > 2 && GROUPS.has(parts[0]!)) return `${parts[0]}/${parts[1]}`;
  return parts.length > 1 ? parts[0]! : path;
}

/** The node of a folder by its own name, wherever a group put it ("pipeline/solve" or "pipeline/solve"). */
function node(graph: ReadonlyMap<string, unknown>, name: string): string {
  return [...graph.keys()].find((key) => key === name || key.endsWith(`/${name}`)) ?? name;
}

/** Relative imports of one module, as paths relative to src (outside src, e.g. ../../schema, left out). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(src, file), "utf8");
  const found: string[] = [];
  for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+|export\s+\*\s+from\s+)["'](\.{1,2}\/[^"']+)["']/g)) {
    // Sources import each other by their compiled names (./x.js for ./x.ts).
    const target = relative(src, resolve(dirname(join(src, file)), match[1]!.replace(/\.js$/, ".ts")));
    if (!target.startsWith("..")) found.push(target);
  }
  return found;
}

/** Folder → folder → the module imports behind that edge (for the message). */
function folderGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((name) => /\.(ts|mts|mjs|js)$/.test(name));
  for (const file of files) {
    const from = folderOf(file);
    if (!graph.has(from)) graph.set(from, new Map());
    for (const target of importsOf(file)) {
      const to = folderOf(target);
      if (to === from || ALLOWED.has(`${from} -> ${to}`)) continue;
      const edges = graph.get(from)!;
      edges.set(to, [...(edges.get(to) ?? []), `${file} imports ${target}`]);
    }
  }
  return graph;
}

/** Every elementary cycle's representative: one cycle through each strongly connected component (Tarjan). */
function cycles(graph: Map<string, Map<string, string[]>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component);
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  // One concrete cycle per component: a shortest path back to its first member, by breadth-first search.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0]!;
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const node = queue.shift()!;
      for (const next of graph.get(node)?.keys() ?? []) {
        if (!members.has(next)) continue;
        if (next === start) {
          const path = [node];
          while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
          return [...path, start];
        }
        if (!previous.has(next)) {
          previous.set(next, node);
          queue.push(next);
        }
      }
    }
    return component;
  });
}

/** A cycle as the lead reads it: folders in order, then the module imports behind each edge. */
function describeCycle(cycle: string[], graph: Map<string, Map<string, string[]>>): string {
  const lines = [cycle.join(" -> ")];
  for (let k = 0; k + 1 < cycle.length; k++) lines.push(`  ${cycle[k]} -> ${cycle[k + 1]}: ${graph.get(cycle[k]!)!.get(cycle[k + 1]!)!.slice(0, 3).join("; ")}`);
  return lines.join("\n");
}

describe("src/ folders import each other without a cycle", () => {
  it("the folder-level import graph is acyclic", () => {
    const graph = folderGraph();
    const found = cycles(graph).map((cycle) => describeCycle(cycle, graph));
    expect(found, `folder cycles:\n${found.join("\n")}`).toEqual([]);
  });

  it("every allowed edge still exists (an allow-list entry outlives its cycle only by mistake)", () => {
    const graph = new Map<string, Set<string>>();
    for (const file of readdirSync(src, { recursive: true, encoding: "utf8" }).filter((name) => name.endsWith(".ts"))) {
      for (const target of importsOf(file)) {
        const edges = graph.get(folderOf(file)) ?? new Set<string>();
        edges.add(folderOf(target));
        graph.set(folderOf(file), edges);
      }
    }
    const stale = [...ALLOWED.keys()].filter((edge) => {
      const [from, to] = edge.split(" -> ");
      return !graph.get(from!)?.has(to!);
    });
    expect(stale).toEqual([]);
  });

  it("the walk sees imports, and finds a cycle when there is one (it is not vacuous)", () => {
    const graph = folderGraph();
    expect(graph.get(node(graph, "pipeline/solve"))?.has(node(graph, "pipeline/lower"))).toBe(true);
    expect(graph.get(node(graph, "cli"))?.has("errors.ts")).toBe(true);
    const looped = new Map(graph);
    const [numeric, cli] = [node(graph, "floor/numeric"), node(graph, "cli")];
    looped.set(numeric, new Map([...(graph.get(numeric) ?? []), [cli, ["floor/numeric/x.ts imports cli/main.ts"]]]));
    expect(cycles(looped).some((cycle) => cycle.includes(numeric) && cycle.includes(cli))).toBe(true);
  });

  it("the results contract is the ground floor: src/floor/records imports no other folder, only errors.ts", () => {
    const graph = folderGraph();
    expect([...(graph.get(node(graph, "floor/records"))?.keys() ?? [])].filter((to) => to !== "errors.ts")).toEqual([]);
  });

  it("the report reads run folders through src/floor/records only (no runner, no experiment loader; errors.ts and csv.ts are floor files)", () => {
    const graph = folderGraph();
    const results = node(graph, "floor/records");
    expect([...(graph.get(node(graph, "tools/report"))?.keys() ?? [])].filter((to) => to !== results && to !== "errors.ts" && to !== "csv.ts").sort()).toEqual([]);
  });
});
