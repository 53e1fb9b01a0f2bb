// node:sqlite still prints an ExperimentalWarning on Node 22. It says nothing a user can act on, so the CLI
// hides that one warning and keeps printing every other.
const defaultListeners = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'ExperimentalWarning' && /SQLite/.test(warning.message)) return;
  for (const listener of defaultListeners) listener(warning);
});
