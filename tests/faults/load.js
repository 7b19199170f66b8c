// Send TOTAL GET requests to URL with at most CONCURRENCY in flight over
// keep-alive connections, then print one JSON line with the outcome.
// Environment: URL, TOTAL, CONCURRENCY, AUTHORIZATION, DEADLINE_MS.
"use strict";
const http = require("http");

const url = new URL(process.env.URL);
const total = Number(process.env.TOTAL);
const concurrency = Number(process.env.CONCURRENCY);
const deadline = Date.now() + Number(process.env.DEADLINE_MS || 170000);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

const statuses = {};
const errors = {};
const latencies = [];
let started = 0;
let finished = 0;
const begin = process.hrtime.bigint();

function count(table, key) {
  table[key] = (table[key] || 0) + 1;
}

function done() {
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
  latencies.sort((a, b) => a - b);
  const pick = (q) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : null;
  console.log(JSON.stringify({
    total: finished, statuses, errors, seconds,
    rps: finished / seconds, p50_ms: pick(0.5), p99_ms: pick(0.99), max_ms: pick(1),
  }));
  agent.destroy();
}

function one() {
  if (started >= total || Date.now() > deadline) {
    if (finished === started) done();
    return;
  }
  started += 1;
  const t0 = process.hrtime.bigint();
  const request = http.get({
    host: url.hostname, port: url.port, path: url.pathname + url.search, agent,
    headers: { Authorization: process.env.AUTHORIZATION },
  }, (response) => {
    response.resume();
    response.on("end", () => {
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      count(statuses, response.statusCode);
      finished += 1;
      one();
    });
  });
  request.setTimeout(60000, () => request.destroy(new Error("timeout")));
  request.on("error", (error) => {
    count(errors, error.code || error.message);
    finished += 1;
    one();
  });
}

for (let i = 0; i < concurrency; i += 1) one();
