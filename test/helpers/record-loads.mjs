// `node --import ./test/helpers/record-loads.mjs …`: prints "loaded FILE-URL" on stderr for
// every file the process loads through the module loader, so a test can tell which
// packages a process loaded, and when.
import { register } from 'node:module';

const hooks = `export async function load(url, context, next) {
  if (url.startsWith('file:')) process.stderr.write('loaded ' + url + '\\n');
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
