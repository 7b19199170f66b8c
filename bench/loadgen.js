#!/usr/bin/env node
// Closed-loop HTTP load generator, used when wrk is not installed: N keep-alive connections,
// each sending its next GET as soon as the previous response ends, for a fixed duration.
// Prints one line "BENCH_JSON {...}" with the same fields as bench/wrk_report.lua.
//
// Usage: node bench/loadgen.js URL CONNECTIONS DURATION_S TIMEOUT_S [HEADER: VALUE ...]
'use strict';

const http = require('http');

const [url, connectionsText, durationText, timeoutText, ...headerArgs] = process.argv.slice(2);
const connections = Number(connectionsText);
const durationMs = Number(durationText) * 1000;
const timeoutMs = Number(timeoutText) * 1000;
if (!url || !(connections > 0) || !(durationMs > 0) || !(timeoutMs > 0)) {
  process.stderr.write('usage: node loadgen.js URL CONNECTIONS DURATION_S TIMEOUT_S [HEADER: VALUE ...]\n');
  process.exit(2);
}

const headers = {};
for (const header of headerArgs) {
  const colon = header.indexOf(':');
  headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
}

const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const latenciesMs = [];
const errors = { connect: 0, read: 0, write: 0, status: 0, timeout: 0 };
let bytes = 0;
let started;
let deadline;

function sendNext(done) {
  if (Date.now() >= deadline) {
    done();
    return;
  }
  const sentAt = process.hrtime.bigint();
  // Each request continues its connection's loop exactly once, whichever event ends it.
  let settled = false;
  const next = () => {
    if (!settled) {
      settled = true;
      setImmediate(() => sendNext(done));
    }
  };
  const request = http.get(url, { agent, headers, timeout: timeoutMs }, (response) => {
    response.on('data', (chunk) => { bytes += chunk.length; });
    response.on('end', () => {
      latenciesMs.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
      if (response.statusCode < 200 || response.statusCode > 399) {
        errors.status += 1;
      }
      next();
    });
    response.on('error', () => { errors.read += 1; next(); });
  });
  let timedOut = false;
  request.on('timeout', () => {
    timedOut = true;
    errors.timeout += 1;
    request.destroy();
  });
  request.on('error', (error) => {
    // destroy() after a timeout also raises an error, which is already counted.
    if (!timedOut) {
      errors[error.code === 'ECONNREFUSED' ? 'connect' : 'read'] += 1;
    }
    next();
  });
}

function percentile(sorted, fraction) {
  if (sorted.length === 0) {
    return 0;
  }
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

function report() {
  const durationS = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = latenciesMs.slice().sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / (sorted.length || 1);
  const summary = {
    requests: sorted.length,
    duration_s: durationS,
    bytes,
    errors,
    latency_ms: {
      p50: percentile(sorted, 0.50), p90: percentile(sorted, 0.90), p99: percentile(sorted, 0.99),
      max: sorted.length ? sorted[sorted.length - 1] : 0, mean,
    },
  };
  process.stdout.write('BENCH_JSON ' + JSON.stringify(summary) + '\n');
  agent.destroy();
}

started = process.hrtime.bigint();
deadline = Date.now() + durationMs;
let running = connections;
for (let i = 0; i < connections; i++) {
  sendNext(() => {
    running -= 1;
    if (running === 0) {
      report();
    }
  });
}
