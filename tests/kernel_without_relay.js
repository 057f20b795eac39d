// The jsii kernel of the test processes, without its relay process (see tests/conftest.py).
//
// jsii's runtime starts Node.js twice: a host that relays every request and response between
// Python's pipes and a channel on fd 3, and the kernel itself, which reads and writes fd 3.
// Here the kernel runs in the one process jsii starts and reads its requests from fd 0 and
// writes its responses to fd 1: the same program (jsii's own, as jsii ships it), one copy
// and one process switch less per request. What the kernel's JavaScript prints goes to
// stderr as the host sends it: a JSON line per write, which jsii's Python side decodes.
'use strict';

const fs = require('fs');
const path = require('path');
const Module = require('module');

const program = process.env.ORG_CONSTRUCTS_TEST_KERNEL;
const channel = 'readFD:3,writeFD:3';
let source = fs.readFileSync(program, 'utf-8');
if (!source.includes(channel)) {
  fs.writeSync(2, `tests/kernel_without_relay.js: ${program} does not open its channel on fd 3\n`);
  process.exit(70);
}
source = source.replace(channel, 'readFD:0,writeFD:1');

function relay(key) {
  return function write(chunk, encoding, callback) {
    const text = typeof encoding === 'string' ? encoding : 'utf-8';
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), text);
    fs.writeSync(2, JSON.stringify({ [key]: data.toString('base64') }) + '\n');
    const done = typeof encoding === 'function' ? encoding : callback;
    if (done) process.nextTick(done);
    return true;
  };
}
process.stdout.write = relay('stdout');
process.stderr.write = relay('stderr');

const kernel = new Module(program, module);
kernel.filename = program;
kernel.paths = Module._nodeModulePaths(path.dirname(program));
kernel._compile(source, program);
