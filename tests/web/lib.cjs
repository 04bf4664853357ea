// What the Node tests of tests/web/ share: a free port, and stopping a server cleanly.
'use strict';

const net = require('net');

// A port the kernel says is free on 127.0.0.1.
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

// SIGTERM, then wait for the exit (SIGKILL after 10 s): a clean close flushes the memtables
// into the data folder, so removing it before the server has gone races with those files.
async function stopServer(server) {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(timer);
}

module.exports = { freePort, stopServer };
