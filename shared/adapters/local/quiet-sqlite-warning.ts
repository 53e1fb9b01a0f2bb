// node:sqlite still prints an ExperimentalWarning on Node 22, once per thread that loads it. It says nothing a
// user can act on, so this hides that one warning and keeps printing every other. Imported before node:sqlite.
const defaultListeners = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'ExperimentalWarning' && /SQLite/.test(warning.message)) return;
  for (const listener of defaultListeners) listener(warning);
});
