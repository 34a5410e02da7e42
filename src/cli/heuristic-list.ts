import { getHeuristic, heuristicNames, loadUserHeuristic, type Heuristic } from "../heuristics/index.js";

/** Splits `a,b(c,d),e` on top-level commas only: expressions inside parentheses keep theirs. */
export function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of list) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else current += char;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** `all`, registry names (nested wrappers allowed) and paths of user modules (.ts/.js/.mjs). */
export async function resolveHeuristics(list: string): Promise<Heuristic[]> {
  const names = list.trim() === "all" ? heuristicNames() : splitTopLevel(list);
  const heuristics: Heuristic[] = [];
  for (const name of names) {
    heuristics.push(/\.(ts|js|mjs)$/.test(name) ? await loadUserHeuristic(name) : getHeuristic(name));
  }
  return heuristics;
}
