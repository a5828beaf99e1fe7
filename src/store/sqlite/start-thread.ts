import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module `name` (`checkpoint-thread`) that sits beside
 * this file: the compiled `.js`, or, when this runs from TypeScript source (a TypeScript
 * loader, the tests), the `.ts` one through the same loader.
 */
export function startThread(name: string, workerData?: unknown): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, here), { workerData });
  const entry = JSON.stringify(new URL(`./${name}.ts`, here).href);
  const loader = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${loader}).then(({ register }) => { register(); return import(${entry}); })`;
  return new Worker(boot, { eval: true, workerData });
}
