// SPDX-License-Identifier: BSD-3-Clause
// node_peer.js — a Node.js (node:tls) peer for the interop tests.
//
//   node node_peer.js server|client PORT PKI_DIR IDENT SEND_FILE RECV_BYTES [EXPECT_URI]
//
// server: listens on 127.0.0.1:PORT (0 = any; prints "LISTENING <port>"),
//         requires a client certificate from the bundle, ALPN h2, TLS 1.3.
// client: connects without SNI, checks the server's URI SAN is EXPECT_URI.
// Both: send SEND_FILE (or nothing if "-"), read until RECV_BYTES arrived,
// then end (close_notify). Prints one JSON line: the peer identity, the
// bytes and SHA-256 of what was received, and any error.
'use strict';
const tls = require('node:tls');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const [role, portArg, pki, ident, sendFile, recvArg, expect] = process.argv.slice(2);
const recvWant = Number(recvArg);
const opts = {
  key: fs.readFileSync(path.join(pki, ident + '.key')),
  cert: fs.readFileSync(path.join(pki, ident + '.pem')),
  ca: fs.readFileSync(path.join(pki, 'bundle.pem')),
  minVersion: 'TLSv1.3',
  ALPNProtocols: ['h2'],
};

let reported = false;
function report(obj) {
  reported = true;
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function uriOf(cert) {
  const m = /URI:([^,\s]+)/.exec((cert && cert.subjectaltname) || '');
  return m ? m[1] : null;
}

function run(sock) {
  const hash = crypto.createHash('sha256');
  let got = 0;
  let sendDone = sendFile === '-';
  let ended = false;
  const peer = uriOf(sock.getPeerCertificate());
  // Report once everything expected has arrived; close our side once our
  // file has also been handed to the socket. (The file stream's 'end' can
  // come after the peer already has every byte and has closed.)
  const maybeEnd = () => {
    if (!ended && got >= recvWant) {
      ended = true;
      report({ peer, alpn: sock.alpnProtocol, recv: got, sha: hash.digest('hex') });
    }
    if (ended && sendDone)
      sock.end();
  };
  sock.on('data', (d) => { hash.update(d); got += d.length; maybeEnd(); });
  // Explain an early close instead of exiting silently.
  sock.on('close', () => {
    if (!ended && !reported)
      report({ error: 'closed early', recv: got, sendDone, peer });
  });
  if (!sendDone) {
    const rs = fs.createReadStream(sendFile, { highWaterMark: 1 << 20 });
    rs.pipe(sock, { end: false });
    rs.on('end', () => { sendDone = true; maybeEnd(); });
  } else {
    maybeEnd();
  }
}

if (role === 'server') {
  const srv = tls.createServer({ ...opts, requestCert: true, rejectUnauthorized: true }, (sock) => {
    run(sock);
    sock.on('close', () => srv.close());
  });
  srv.on('tlsClientError', (e) => { report({ error: e.code || e.message, message: e.message }); srv.close(); });
  srv.listen(Number(portArg), '127.0.0.1', () => {
    process.stdout.write('LISTENING ' + srv.address().port + '\n');
  });
} else {
  const sock = tls.connect({
    ...opts, host: '127.0.0.1', port: Number(portArg),
    // Istio: verify the chain, then the URI SAN; DNS names do not matter.
    checkServerIdentity: (host, cert) => (uriOf(cert) === expect ? undefined
      : new Error('unexpected server identity ' + uriOf(cert))),
  }, () => run(sock));
  sock.on('error', (e) => report({ error: e.code || e.message, message: e.message }));
}
