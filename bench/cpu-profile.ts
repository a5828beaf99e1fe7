import { readFileSync } from 'node:fs';

/** One frame of a V8 CPU profile (`node --cpu-prof`). */
export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** A `.cpuprofile` file: the call tree, and which node each sample landed in after how long. */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Reads a `.cpuprofile`, with the stack (leaf first) of any node of it. */
export function readCpuProfile(path: string): { profile: CpuProfile; stackOf: (id: number) => ProfileNode[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const stackOf = (id: number) => {
    const stack: ProfileNode[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) stack.push(byId.get(at)!);
    return stack;
  };
  return { profile, stackOf };
}
