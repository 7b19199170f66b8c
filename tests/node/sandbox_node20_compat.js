// Stand-ins for three Node.js 22 APIs that jsforce 3.10.26 needs through undici 8.
//
// NOTE: jsforce 3.10.26 and undici 8 declare "engines": {"node": ">=22"}, but this
// machine runs Node.js 20. undici calls these APIs while loading or per request:
// - zlib.createZstdDecompress: only for "Content-Encoding: zstd" responses, which the
//   sandbox org never sends, so the stand-in throws if it is ever reached;
// - worker_threads.markAsUncloneable: marks objects as not structured-cloneable, a
//   safety check with no effect on HTTP traffic;
// - Promise.withResolvers: the standard ES2024 helper, defined here as specified.
// Remove this file once the tests run on Node.js 22 or later.
'use strict';

const zlib = require('zlib');
const workerThreads = require('worker_threads');

if (!zlib.createZstdDecompress) {
  zlib.createZstdDecompress = () => {
    throw new Error('zstd decompression needs Node.js 22 or later');
  };
}

if (!workerThreads.markAsUncloneable) {
  workerThreads.markAsUncloneable = () => {};
}

if (!Promise.withResolvers) {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    return { promise, resolve, reject };
  };
}
